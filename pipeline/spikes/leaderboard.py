"""The keys worth showing Prometheus: the highest-scoring ones of the last window, a bounded few.

Every reading updates its key; a key whose last story has left the window drops out. Prometheus sees only the
`size` best (`top_keys` in config/spikes.toml), so label cardinality stays bounded however many keys there are.
"""

from __future__ import annotations

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
    at: float  # time of the key's last story


class Leaderboard:
    def __init__(self, size: int, window_seconds: float) -> None:
        self.size = size
        self.window_seconds = window_seconds
        self._standings: dict[tuple[Kind, str], Standing] = {}

    def update(self, kind: Kind, key: str, reading: Reading) -> None:
        self._standings[kind, key] = Standing(
            kind, key, reading.score, reading.observed, reading.expected, reading.active, reading.at
        )

    def top(self, now: float) -> list[Standing]:
        """The `size` best keys whose last story is still in the window at `now`, best first; older ones go."""
        horizon = now - self.window_seconds
        self._standings = {name: standing for name, standing in self._standings.items() if standing.at > horizon}
        ranked = sorted(self._standings.values(), key=lambda standing: (-standing.score, standing.kind, standing.key))
        return ranked[: self.size]
