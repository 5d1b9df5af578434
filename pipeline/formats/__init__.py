"""Format parsers: each turns the decoded text of one input format into a `ParsedStory` or raises `Rejected`.

`pipeline.parse` picks the parser from the content type and turns a `ParsedStory` into a `StoryRecord`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class Rejected(Exception):
    """The item cannot become a story; `reason` is a short machine-readable code, `detail` says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(slots=True)
class ParsedStory:
    """What a format parser found, before ids, times and language are settled for the record."""

    headline: str
    body: list[str]
    headline_derived: bool = False  # the item had no headline: this one is the lede's opening words
    item_id: str | None = None
    authors: list[str] = field(default_factory=list)
    place: str | None = None
    agency: str | None = None
    published: str | None = None
    language: str | None = None
    url: str | None = None
    captions: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
