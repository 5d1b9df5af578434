"""`wirestream` builds its parser, and prints the help of every subcommand, without importing what the commands
themselves need: each subcommand imports its dependencies when it runs, so `--help` and a typo answer at once and
one command's broken or missing dependency does not take down the others."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "scipy", "elasticsearch", "faust", "kafka", "trafilatura", "lxml")

PROBE = """
import argparse, json, sys
from pipeline.cli import build_parser

def helps(parser):
    yield parser.format_help()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from helps(sub)

pages = list(helps(build_parser()))
print(json.dumps({"pages": len(pages), "loaded": sorted({name.partition(".")[0] for name in sys.modules})}))
"""


def test_building_the_parser_and_every_help_imports_no_heavy_dependency() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    probe = json.loads(done.stdout)
    assert probe["pages"] > 10  # every subcommand's help was formatted
    assert sorted(set(HEAVY) & set(probe["loaded"])) == []
