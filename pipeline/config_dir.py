"""Where the config/ folder (rules, templates, word lists) is: the one place that knows.

The `WIRESTREAM_CONFIG_DIR` setting names it; unset, it is the source tree's config/ beside the packages, which is
where a checkout and `pip install -e` find it. A regular install (the Docker image) has no source tree beside its
packages, so there the setting is required.
"""

from __future__ import annotations

from pathlib import Path

_SOURCE_TREE_CONFIG = Path(__file__).resolve().parent.parent / "config"


def config_path(*parts: str) -> Path:
    """A path under the config folder, e.g. `config_path("gazetteers", "actors.toml")`.

    Settings are read on first use (and cached by `get_settings`), not at import: importing a module that reads a
    config file stays light.
    """
    from pipeline.settings import get_settings

    configured = get_settings().config_dir
    if configured:
        return Path(configured).joinpath(*parts)
    if not _SOURCE_TREE_CONFIG.is_dir():
        raise FileNotFoundError(f"no config folder at {_SOURCE_TREE_CONFIG}: set WIRESTREAM_CONFIG_DIR to one")
    return _SOURCE_TREE_CONFIG.joinpath(*parts)


def languages_of(stem: str) -> frozenset[str]:
    """The languages with gazetteer files of their own beside `gazetteers/<stem>.toml`, named
    `gazetteers/<stem>.<lang>.toml` ("fr" for countries.fr.toml)."""
    return frozenset(path.name.split(".")[1] for path in config_path("gazetteers").glob(f"{stem}.*.toml"))
