"""A simulated wire for tests and demos: a steady background of stories per key with injected bursts of known
size and time, replayed through the spike detector, and scored (detection delay, precision, recall).

Background stories of a key arrive as a Poisson process whose rate follows the hour of the day (a cosine around
the key's peak hour); a burst adds `size` stories spread uniformly over `duration` seconds. Everything is drawn
from one seeded numpy generator: the same seed gives the same stream.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from pipeline.spikes.alert import Kind, spike_key
from pipeline.spikes.detector import Reading, SpikeDetector

KINDS = (Kind.COUNTRY, Kind.ACTOR, Kind.TOPIC)
# Simulated keys never name real ones: ISO 3166-1 keeps XA-XZ for private use, actors and terms are invented.
_COUNTRY_CODES = [f"X{chr(ord('A') + i)}" for i in range(26)]
_SYLLABLES = ["zor", "vex", "quil", "brant", "mox", "tella", "durn", "ipha", "gral", "sune", "kev", "ostra"]


@dataclass(frozen=True, slots=True)
class Background:
    """One key's usual flow: `per_hour` stories an hour on average, `amplitude` of it swinging with the hour of
    day around `peak_hour` (UTC)."""

    kind: Kind
    key: str
    per_hour: float
    amplitude: float
    peak_hour: float

    def rate(self, at: float | np.ndarray) -> Any:
        """Stories an hour at time `at` (epoch seconds)."""
        hour = (np.asarray(at) / 3600) % 24
        return self.per_hour * (1 + self.amplitude * np.cos(2 * np.pi * (hour - self.peak_hour) / 24))

    def expected(self, start: float, seconds: float) -> float:
        """Background stories expected in [start, start + seconds)."""
        minutes = np.arange(start, start + seconds, 60) + 30
        return float(np.sum(self.rate(minutes)) / 60)


@dataclass(frozen=True, slots=True)
class Burst:
    kind: Kind
    key: str
    start: float
    size: int
    duration: float


@dataclass(frozen=True, slots=True)
class SimulatedStory:
    at: float
    story_id: str
    kind: Kind
    key: str
    burst: int | None  # index of the burst it belongs to, None for background

    def record(self) -> dict[str, Any]:
        """The story as the enriched topic carries it: one tag (or headline term) naming its key, dedup `new`."""
        when = datetime.fromtimestamp(self.at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        countries: list[dict[str, Any]] = []
        actors: list[dict[str, Any]] = []
        headline = f"{self.key.capitalize()} {self.story_id}"
        if self.kind is Kind.COUNTRY:
            countries = [{"code": self.key, "name": f"Country {self.key}", "score": 0.9, "evidence": {}}]
            headline = f"Country {self.key} {self.story_id}"
        elif self.kind is Kind.ACTOR:
            actors = [{"id": self.key, "name": self.key, "country": None, "role": "GOV", "score": 0.9}]
        return {
            "story_id": self.story_id,
            "headline": headline,
            "body": [headline],
            "published_at": when,
            "ingested_at": when,
            "language": "en",
            "countries": countries,
            "actors": actors,
            "dedup": {"outcome": "new"},
        }


def backgrounds(count: int, *, seed: int, low: float = 0.2, high: float = 40.0) -> list[Background]:
    """`count` keys, kinds in turn, rates log-uniform between `low` and `high` stories an hour."""
    rng = np.random.default_rng(seed)
    keys = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        if kind is Kind.COUNTRY:
            key = _COUNTRY_CODES[i // len(KINDS) % len(_COUNTRY_CODES)] + (str(i // 78) if i >= 78 else "")
        else:
            first, second = _SYLLABLES[i % len(_SYLLABLES)], _SYLLABLES[(i * 7 + 3) % len(_SYLLABLES)]
            key = f"{first}{second}{i}" if kind is Kind.TOPIC else f"sim-{first}-{second}-{i}"
        keys.append(
            Background(
                kind=kind,
                key=key,
                per_hour=float(math.exp(rng.uniform(math.log(low), math.log(high)))),
                amplitude=float(rng.uniform(0.0, 0.8)),
                peak_hour=float(rng.uniform(0, 24)),
            )
        )
    return keys


def simulate(
    keys: Iterable[Background], bursts: Iterable[Burst], *, start: float, hours: float, seed: int
) -> list[SimulatedStory]:
    """The stories of `keys` and `bursts` over `hours` from `start`, in time order."""
    rng = np.random.default_rng(seed)
    minutes = np.arange(start, start + hours * 3600, 60)
    times: list[np.ndarray] = []
    labels: list[tuple[Kind, str, int | None, int]] = []
    for background in keys:
        counts = rng.poisson(background.rate(minutes + 30) / 60)
        drawn = np.repeat(minutes, counts) + rng.uniform(0, 60, int(counts.sum()))
        times.append(drawn)
        labels.append((background.kind, background.key, None, len(drawn)))
    for index, burst in enumerate(bursts):
        times.append(burst.start + rng.uniform(0, burst.duration, burst.size))
        labels.append((burst.kind, burst.key, index, burst.size))
    stories = [
        (float(at), kind, key, burst)
        for drawn, (kind, key, burst, _) in zip(times, labels, strict=True)
        for at in drawn.tolist()
    ]
    stories.sort(key=lambda story: story[0])
    return [
        SimulatedStory(at=at, story_id=f"sim-{seed}-{i}", kind=kind, key=key, burst=burst)
        for i, (at, kind, key, burst) in enumerate(stories)
    ]


def place_bursts(
    keys: list[Background], detector: SpikeDetector, *, start: float, hours: float, count: int, seed: int
) -> list[Burst]:
    """`count` bursts at random keys and times in [start, start + hours), each as big as the configuration
    promises to catch at that key's level then (`SpikeDetector.alert_size`) times 1 to 2, over 1 to 4 minutes.
    Bursts on one key are at least two cool-downs apart, so each is one alert to find."""
    rng = np.random.default_rng(seed)
    window = detector.config.window_seconds
    gap = 2 * detector.config.cooldown_seconds + window
    taken: dict[str, list[float]] = {}
    bursts: list[Burst] = []
    while len(bursts) < count:
        background = keys[int(rng.integers(len(keys)))]
        at = float(rng.uniform(start, start + hours * 3600 - 2 * window))
        if any(abs(at - other) < gap for other in taken.get(background.key, [])):
            continue
        size = detector.alert_size(background.expected(at, window))
        size = math.ceil(size * rng.uniform(1.0, 2.0))
        bursts.append(Burst(background.kind, background.key, at, size, float(rng.uniform(60, 240))))
        taken.setdefault(background.key, []).append(at)
    return bursts


def replay(stories: Iterable[SimulatedStory], detector: SpikeDetector) -> list[Reading]:
    """Feed the stories to the detector as the worker does (distinct stories counted per hop and per hopping
    window, state swept every `sweep_seconds`); the readings that raised an alert."""
    step = detector.config.hop_seconds
    hops = detector.config.buckets_per_window
    counts: Counter[tuple[str, int]] = Counter()
    alerts: list[Reading] = []
    next_sweep: float | None = None
    for story in stories:
        if next_sweep is None or story.at >= next_sweep:
            detector.forget(list(detector.states), story.at)
            next_sweep = story.at + detector.config.sweep_seconds
        key = spike_key(story.kind, story.key)
        bucket = detector.bucket_of(story.at)
        counts[key, bucket] += 1
        window = sum(counts[key, bucket - i * step] for i in range(hops))
        reading = detector.observe(key, story.at, counts[key, bucket], window)
        if reading.alert:
            alerts.append(reading)
    return alerts


@dataclass(frozen=True, slots=True)
class Evaluation:
    """How the alerts of a replay match its bursts. An alert is true when it names a burst's key between the
    burst's start and one window after its end; a burst is detected when alerted within two windows of its start."""

    bursts: int
    alerts: int
    true_alerts: int
    delays: list[float] = field(default_factory=list)  # seconds from burst start to its first alert, detected ones

    @property
    def precision(self) -> float:
        return self.true_alerts / self.alerts if self.alerts else 1.0

    @property
    def recall(self) -> float:
        return len(self.delays) / self.bursts if self.bursts else 1.0


def evaluate(bursts: list[Burst], alerts: list[Reading], window_seconds: float) -> Evaluation:
    true_alerts = 0
    for alert in alerts:
        if any(
            alert.key == spike_key(burst.kind, burst.key)
            and burst.start <= alert.at <= burst.start + burst.duration + window_seconds
            for burst in bursts
        ):
            true_alerts += 1
    delays = []
    for burst in bursts:
        key = spike_key(burst.kind, burst.key)
        hits = [a.at for a in alerts if a.key == key and burst.start <= a.at <= burst.start + 2 * window_seconds]
        if hits:
            delays.append(min(hits) - burst.start)
    return Evaluation(bursts=len(bursts), alerts=len(alerts), true_alerts=true_alerts, delays=delays)
