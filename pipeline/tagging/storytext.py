"""The text a story is tagged from, and what is left out of it.

Tags come from the story's own words only: the headline, the dateline place, the body paragraphs and the photo
captions, joined in that order with a blank line between parts (so offsets in tag evidence are offsets in that
string). Reader comments and bylines (`record.comments`, `record.authors`) are never read, and credit lines
inside the text ("By Anna Kowalska", "Reporting by ... in London; Editing by ...", "Photo: John Smith/Reuters",
"REUTERS/Kacper Pempel") are blanked with spaces, so neither their people nor their places are tagged and every
other offset stays where it was.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from pipeline.record import StoryRecord
from pipeline.tagging.matching import Match, Matcher, fold
from pipeline.tagging.runs import capitalised_runs

T = TypeVar("T")

SEPARATOR = "\n\n"
_NAME = r"[A-Z][\w.'\u2019-]*"
# Credit lines run to the end of their paragraph: a byline or a "Reporting by" line fills it, a photo credit
# closes a caption.
_LEADING_CREDIT = re.compile(
    rf"By\s+{_NAME}(?:\s+(?:and\s+)?{_NAME}){{0,6}}\s*$"  # a byline paragraph
    r"|\(?\s*(?i:(?:additional\s+)?(?:reporting|writing|editing|edited|compiled|produced)\s+by)\b"
)
_TRAILING_CREDIT = re.compile(
    r"(?i:\b(?:photo|picture|image|photograph)(?:\s+credit)?\s*:)"
    rf"|\(?\b[A-Z][A-Za-z]+(?:\s+Photo)?/{_NAME}(?:\s+{_NAME}){{0,3}}\)?\s*$"  # REUTERS/Name, AP Photo/Name
)


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str  # "headline", "dateline", "body" or "caption"
    start: int
    end: int


@dataclass(frozen=True)
class StoryText:
    text: str
    segments: tuple[Segment, ...]

    @cached_property
    def folded(self) -> str:
        return fold(self.text)

    @cached_property
    def runs(self) -> list[tuple[int, int]]:
        """Runs of capitalised words (`runs.capitalised_runs`), read by the readers of open-vocabulary names."""
        return capitalised_runs(self.text)

    @cached_property
    def _matches(self) -> dict[Matcher[Any], list[Match[Any]]]:
        return {}

    def matches(self, matcher: Matcher[T]) -> list[Match[T]]:
        """The matcher's matches in the text, kept for the story; matchers joined into one automaton
        (`matching.Joint`) are all read in the same pass."""
        if matcher not in self._matches:
            self._matches.update(matcher.find_joint(self.text))
        return self._matches[matcher]

    @cached_property
    def _starts(self) -> list[int]:
        return [segment.start for segment in self.segments]

    def segment_at(self, offset: int) -> Segment:
        return self.segments[bisect_right(self._starts, offset) - 1]

    def dateline(self) -> Segment | None:
        return next((segment for segment in self.segments if segment.kind == "dateline"), None)


def blank_credits(paragraph: str) -> str:
    """The paragraph with its credit lines replaced by spaces of the same length (a caption may close on two:
    "REUTERS/Thomas Peter Image: Reuters/Thomas Peter")."""
    found = _LEADING_CREDIT.match(paragraph)
    if found is not None:
        return paragraph[: found.start()] + " " * (len(paragraph) - found.start())
    while (":" in paragraph or "/" in paragraph) and (found := _TRAILING_CREDIT.search(paragraph)) is not None:
        paragraph = paragraph[: found.start()] + " " * (len(paragraph) - found.start())
    return paragraph


def story_text(record: StoryRecord) -> StoryText:
    parts = [("headline", record.headline)]
    if record.dateline.place:
        parts.append(("dateline", record.dateline.place))
    parts += [("body", blank_credits(paragraph)) for paragraph in record.body]
    parts += [("caption", blank_credits(caption)) for caption in record.captions]
    segments, offset = [], 0
    for kind, text in parts:
        segments.append(Segment(kind, offset, offset + len(text)))
        offset += len(text) + len(SEPARATOR)
    return StoryText(SEPARATOR.join(text for _, text in parts), tuple(segments))
