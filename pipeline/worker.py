"""The worker's Faust app with every agent on it: what `wirestream worker` runs.

Each agent module adds its agents, tables and timers to the app as it is imported, so imports go one way: the
agent modules import pipeline/app.py (which holds the story pipeline's own agents), and this module imports them
all. A new agent module is imported here."""

from __future__ import annotations

import pipeline.spikes.agent  # noqa: F401  (spike alerting: windowed counts, detector, alerts index)
from pipeline.app import app

__all__ = ["app"]
