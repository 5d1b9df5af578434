"""The tooling as installed: `wirestream` has its commands (bench, simulate, soak, by entry point), and the
benchmark runs where the project is installed without its tests folder (the image leaves tests/ out), because it
carries the data its corpus is made of (tools/benchmark/data)."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
INSTALLED = ("pipeline", "connectors", "tools", "config")  # what deploy/Dockerfile copies; no tests/


def test_the_tooling_commands_are_registered() -> None:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert {"bench", "simulate", "soak"} <= set(commands)


@pytest.mark.timeout(240)
def test_bench_stages_runs_without_the_tests_folder(tmp_path: Path) -> None:
    site = tmp_path / "installed"
    for folder in INSTALLED:
        shutil.copytree(ROOT / folder, site / folder, ignore=shutil.ignore_patterns("__pycache__"))
    # run from the copy (the current directory comes first on sys.path), its logs folder in tmp_path
    env = {**os.environ, "WIRESTREAM_CONFIG_DIR": str(site / "config"), "TMPDIR": str(tmp_path)}

    def python(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], cwd=site, env=env, capture_output=True, text=True, timeout=200)

    where = python("-c", "import pipeline, tools; print(pipeline.__file__); print(tools.__file__)")
    assert [Path(line).parents[1] for line in where.stdout.split()] == [site, site], where.stderr
    done = python("-m", "pipeline.cli", "bench", "stages", "--count", "200")
    assert done.returncode == 0, done.stderr
    assert "parse + tag + dedup" in done.stdout
    assert "unexpected 0" in done.stdout  # every dedup outcome as the corpus labelled it
