"""The spike alert record: what `alerts.spikes` carries, the `alerts` index holds and front-ends show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pipeline.spikes.detector import Reading


class Kind(StrEnum):
    COUNTRY = "country"  # key: ISO 3166-1 alpha-2 code
    ACTOR = "actor"  # key: the actor id of the gazetteer (or its `unlisted:` id)
    TOPIC = "topic"  # key: a term or two-word phrase, lower-cased


def spike_key(kind: Kind, key: str) -> str:
    """The detector's and the count tables' key: kinds never collide ("topic:chad" is not "country:TD")."""
    return f"{kind}:{key}"


@dataclass(frozen=True, slots=True)
class AlertStory:
    story_id: str
    headline: str


@dataclass(frozen=True, slots=True)
class SpikeAlert:
    kind: Kind
    key: str
    name: str  # what a reader sees: the country's or actor's name, the term itself
    window_start: str  # UTC, ISO 8601: the window whose count spiked
    window_end: str
    observed: int  # distinct stories in the window when the alert was raised
    expected: float  # the key's baseline for that window
    score: float  # -log10 of the chance of `observed` or more at that baseline
    raised_at: str  # time of the story that crossed the threshold
    stories: tuple[AlertStory, ...]  # the window's most relevant stories, most relevant first

    @property
    def alert_id(self) -> str:
        """Stable id (Kafka key, Elasticsearch _id): a redelivered story raises the same alert, not another."""
        return f"{spike_key(self.kind, self.key)}@{self.raised_at}"

    @classmethod
    def from_reading(cls, kind: Kind, key: str, name: str, reading: Reading, stories: list[AlertStory]) -> SpikeAlert:
        return cls(
            kind=kind,
            key=key,
            name=name,
            window_start=_iso(reading.window_start),
            window_end=_iso(reading.window_end),
            observed=reading.observed,
            expected=round(reading.expected, 4),
            score=round(reading.score, 2),
            raised_at=_iso(reading.at),
            stories=tuple(stories),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "kind": str(self.kind),
            "key": self.key,
            "name": self.name,
            "window_start": self.window_start,
            "window_end": self.window_end,
            "observed": self.observed,
            "expected": self.expected,
            "score": self.score,
            "raised_at": self.raised_at,
            "stories": [{"story_id": story.story_id, "headline": story.headline} for story in self.stories],
        }


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
