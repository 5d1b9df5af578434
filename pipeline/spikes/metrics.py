"""Prometheus metrics of spike alerting. Only the leaderboard's top keys carry a `key` label, so the number of
series is bounded by `top_keys` whatever the wire says; alert counts are by kind alone."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from pipeline.spikes.leaderboard import Standing

SPIKE_ALERTS = Counter("wirestream_spike_alerts", "Spike alerts raised", ["kind"])
# Backfills, replays and catch-ups seen and kept from paging (pipeline/spikes/mentions.py, `is_late`).
SPIKE_LATE_STORIES = Counter(
    "wirestream_spike_late_stories",
    "New stories read more than max_lateness_seconds after their story time: counted here only, never alerting",
)
SPIKE_SCORE = Gauge(
    "wirestream_spike_score", "Spike score (-log10 tail probability) of the top keys' current window", ["kind", "key"]
)
SPIKE_OBSERVED = Gauge("wirestream_spike_observed_stories", "Distinct stories in the top keys' window", ["kind", "key"])
SPIKE_EXPECTED = Gauge("wirestream_spike_expected_stories", "Baseline of the top keys' window", ["kind", "key"])
SPIKE_ACTIVE = Gauge(
    "wirestream_spike_active", "1 while a top key is in a spike alert that has not re-armed", ["kind", "key"]
)
_BY_KEY = (SPIKE_SCORE, SPIKE_OBSERVED, SPIKE_EXPECTED, SPIKE_ACTIVE)


class SpikeGauges:
    """Sets the per-key gauges to the current top keys and removes the series of keys that left it."""

    def __init__(self) -> None:
        self._shown: set[tuple[str, str]] = set()

    def publish(self, standings: list[Standing]) -> None:
        shown = set()
        for standing in standings:
            labels = (str(standing.kind), standing.key)
            shown.add(labels)
            SPIKE_SCORE.labels(*labels).set(standing.score)
            SPIKE_OBSERVED.labels(*labels).set(standing.observed)
            SPIKE_EXPECTED.labels(*labels).set(standing.expected)
            SPIKE_ACTIVE.labels(*labels).set(1 if standing.active else 0)
        for labels in self._shown - shown:
            for gauge in _BY_KEY:
                gauge.remove(*labels)
        self._shown = shown
