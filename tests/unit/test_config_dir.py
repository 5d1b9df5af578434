"""The config folder comes from one place (pipeline/config_dir.py): the WIRESTREAM_CONFIG_DIR setting, else the
source tree's config/. An installed package (the Docker image) has no source tree beside it, so it needs the setting."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline import config_dir
from pipeline.config_dir import config_path
from pipeline.dedupe import load_config
from pipeline.settings import get_settings
from pipeline.spikes.config import load_config as load_spike_config

ROOT = Path(__file__).resolve().parents[2]
# A path segment "config" written out: `... / "config"`, `Path("config/...")`, `"config/..."`.
OWN_CONFIG_PATH = re.compile(r"""/\s*["']config["']|["']config/""")


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings read afresh from the environment the test sets."""
    monkeypatch.delenv("WIRESTREAM_CONFIG_DIR", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_the_setting_moves_every_config_file(environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    copy = tmp_path / "wirestream-config"
    shutil.copytree(ROOT / "config", copy)
    dedup = copy / "dedup.toml"
    text = dedup.read_text()
    assert "window_hours = 72" in text
    dedup.write_text(text.replace("window_hours = 72", "window_hours = 24"))
    assert load_config().window == timedelta(hours=72)

    environment.setenv("WIRESTREAM_CONFIG_DIR", str(copy))
    get_settings.cache_clear()
    assert load_config().window == timedelta(hours=24)
    assert load_spike_config().stopwords_path == copy / "spikes" / "stopwords.txt"
    assert config_path("gazetteers", "actors.toml") == copy / "gazetteers" / "actors.toml"


def test_unset_it_is_the_source_tree_config(environment: pytest.MonkeyPatch) -> None:
    assert config_path() == ROOT / "config"
    assert config_path("elasticsearch", "stories-template.json").is_file()


def test_without_a_source_tree_the_setting_is_asked_for(environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """As in a regular (non-editable) install: nothing beside the packages, and no setting."""
    environment.setattr(config_dir, "_SOURCE_TREE_CONFIG", tmp_path / "site-packages" / "config")
    with pytest.raises(FileNotFoundError, match="WIRESTREAM_CONFIG_DIR"):
        config_path("dedup.toml")


def test_no_module_builds_its_own_path_to_config() -> None:
    own = ROOT / "pipeline" / "config_dir.py"
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in ("pipeline", "connectors")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != own
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if OWN_CONFIG_PATH.search(line)
    ]
    assert not offenders, "use pipeline.config_dir.config_path:\n" + "\n".join(offenders)
    assert OWN_CONFIG_PATH.search(own.read_text()), "the pattern no longer finds the one place that may do it"


def test_importing_it_reads_no_settings() -> None:
    """Modules that read config files import config_path at the top: that must stay light."""
    code = "import sys, pipeline.config_dir; assert 'pipeline.settings' not in sys.modules, 'settings imported'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
