"""The keys worth showing Prometheus: the highest-scoring ones of the last window, a bounded few.

Every reading updates its key; a key drops out a window after its last story was read. Prometheus sees only the
`size` best (`top_keys` in config/spikes.toml), so label cardinality stays bounded however many keys there are.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from pipeline.spikes.alert import Kind
from pipeline.spikes.detector import Reading


@dataclass(frozen=True, slots=True)
class Standing:
    kind: Kind
    key: str
    score: float
    observed: int
    expected: float
    active: bool  # in an alert that has not re-armed
    at: float  # when the key's last story was read


class Leaderboard:
    def __init__(self, size: int, window_seconds: float) -> None:
        self.size = size
        self.window_seconds = window_seconds
        self._standings: dict[tuple[Kind, str], Standing] = {}

    def update(self, kind: Kind, key: str, reading: Reading, seen_at: float | None = None) -> None:
        """The key's standing after `reading`, made when its story was read at `seen_at` (the worker's clock; by
        default the story time). Windows follow story time, and a live story may be read minutes after it (a polled
        feed): timed by its reading, its key stays shown a whole window, as one read at once does, so an alert it
        raised reaches Prometheus instead of leaving the board with the window it was published in."""
        at = reading.at if seen_at is None else seen_at
        self._standings[kind, key] = Standing(
            kind, key, reading.score, reading.observed, reading.expected, reading.active, at
        )

    def top(self, now: float) -> list[Standing]:
        """The `size` best keys whose last story was read within a window of `now`, best first; older ones go."""
        horizon = now - self.window_seconds
        self._standings = {name: standing for name, standing in self._standings.items() if standing.at > horizon}
        # the few best of many keys: a heap of `size`, not a sort of every key each time Prometheus is fed
        return heapq.nsmallest(
            self.size, self._standings.values(), key=lambda standing: (-standing.score, standing.kind, standing.key)
        )
