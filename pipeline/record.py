"""The story record: the one shape every stage emits and Elasticsearch indexes.

This is the contract search front-ends rely on (documented in the README); later stages add
fields (dedup, tags) but never rename or drop these.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(slots=True)
class Source:
    """Who carried the story: the agency that wrote it and the publisher we got it from."""

    agency: str | None
    publisher: str | None
    connector: str
    url: str | None = None


@dataclass(slots=True)
class Dateline:
    place: str | None = None
    country: str | None = None


@dataclass(slots=True)
class StoryRecord:
    story_id: str
    source: Source
    headline: str
    body: list[str]
    published_at: str
    ingested_at: str
    url: str | None = None
    published_at_received: bool = False  # the item gave no time of its own: published_at is when we received it
    headline_derived: bool = False  # the item came without a headline: this one is its lede's opening words
    authors: list[str] = field(default_factory=list)
    dateline: Dateline = field(default_factory=Dateline)
    language: str | None = None
    captions: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    content_type: str = "application/octet-stream"
    version: int = 1
    sources: list[Source] = field(default_factory=list)
    # Tagging (pipeline/enrich.py): `CountryTag.to_dict()` and `ActorTag.to_dict()`, most relevant first.
    countries: list[dict[str, Any]] = field(default_factory=list)
    actors: list[dict[str, Any]] = field(default_factory=list)
    # Dedup (pipeline/dedupe.py): the outcome for this item, and when the canonical story was first seen
    # (its index is chosen by that time, so every version and source lands on the same document).
    dedup: dict[str, Any] | None = None
    first_seen_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A shallow dict for JSON: `asdict` deep-copies every tag and its evidence, which cost more than
        parsing a wire item did (0.7 ms a record)."""
        data = {name: getattr(self, name) for name in _FIELDS}
        data["source"] = asdict(self.source)
        data["dateline"] = asdict(self.dateline)
        data["sources"] = [asdict(source) for source in self.sources]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoryRecord:
        fields = dict(data)
        fields["source"] = Source(**fields["source"])
        fields["dateline"] = Dateline(**(fields.get("dateline") or {}))
        fields["sources"] = [Source(**s) for s in fields.get("sources") or []]
        return cls(**fields)


_FIELDS = tuple(field.name for field in fields(StoryRecord))


def story_id(publisher: str, item_id: str) -> str:
    """The id of the story an item becomes: its publisher and the source's own item id, hashed, so a redelivered
    item gets the same id and two publishers using one item id get different ones."""
    return hashlib.sha1(f"{publisher}\x00{item_id}".encode()).hexdigest()[:20]
