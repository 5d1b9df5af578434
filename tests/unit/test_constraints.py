"""deploy/constraints.txt, the exact versions every install resolves, agrees with the pins in pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = [requirement for extra in project["optional-dependencies"].values() for requirement in extra]
    requirements = [*project["dependencies"], *extras]
    return {_normal(m[1]): m[2] for requirement in requirements if (m := _PIN.match(requirement))}


def _constraints() -> dict[str, str]:
    lines = (ROOT / "deploy" / "constraints.txt").read_text(encoding="utf-8").splitlines()
    return {_normal(m[1]): m[2] for line in lines if (m := _PIN.match(line))}


def test_every_pin_is_constrained_at_its_own_version() -> None:
    pins, constraints = _pins(), _constraints()
    assert len(pins) > 20, "too few pins read from pyproject.toml"
    drifted = {
        name: (version, constraints.get(name)) for name, version in pins.items() if constraints.get(name) != version
    }
    assert drifted == {}


def test_the_installs_read_the_constraints() -> None:
    assert '-c "$ROOT/deploy/constraints.txt"' in (ROOT / "deploy" / "local" / "install").read_text(encoding="utf-8")
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert "deploy/constraints.txt" in dockerfile and "pip install --no-cache-dir -c constraints.txt ." in dockerfile
