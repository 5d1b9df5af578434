"""Shared test helpers: paths only. Integration fixtures live in tests/integration/conftest.py."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "deploy" / "samples" / "stories.jsonl"
