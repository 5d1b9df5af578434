"""Secrets read from files: `WIRESTREAM_<NAME>_FILE=/run/secrets/...` for every secret setting.

Docker and Kubernetes secrets arrive as files; naming the file keeps the secret itself out of the
environment (and so out of `ps e`, `docker inspect` and crash dumps). Only `SecretStr` settings take a
file, so a secret always stays masked in reprs; a trailing newline (as `echo` writes) is dropped.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

SUFFIX = "_FILE"


class SecretFileError(ValueError):
    """A secret file setting that cannot be used; the message names the variable, never the secret."""


def secret_fields(fields: Mapping[str, FieldInfo]) -> list[str]:
    """Names of the settings that hold secrets (typed `SecretStr`, optional or not)."""
    return [
        name for name, info in fields.items() if "SecretStr" in repr(info.annotation) or info.annotation is SecretStr
    ]


def read_secret_files(environ: Mapping[str, str], prefix: str, names: list[str]) -> dict[str, str]:
    """{setting: secret} for each `<PREFIX><NAME>_FILE` variable set; refuses a secret given both ways."""
    found: dict[str, str] = {}
    for name in names:
        variable = f"{prefix}{name}".upper()
        path = environ.get(variable + SUFFIX)
        if not path:
            continue
        if environ.get(variable):
            raise SecretFileError(f"set {variable} or {variable}{SUFFIX}, not both")
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SecretFileError(f"{variable}{SUFFIX}: cannot read {path} ({type(exc).__name__})") from None
        found[name] = text.rstrip("\r\n")
    return found


class SecretFilesSource(PydanticBaseSettingsSource):
    """A pydantic-settings source giving secret settings from the files their `_FILE` variables name."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str] | None = None) -> None:
        super().__init__(settings_cls)
        self.environ = os.environ if environ is None else environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ reads them all at once

    def __call__(self) -> dict[str, Any]:
        prefix = self.settings_cls.model_config.get("env_prefix", "")
        return read_secret_files(self.environ, prefix, secret_fields(self.settings_cls.model_fields))
