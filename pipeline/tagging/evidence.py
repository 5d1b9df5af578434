"""What a tag rests on, and how relevant that makes the tag to the story.

The relevance score tells a story *about* a country or actor from one that mentions it in passing: a mention in
the headline weighs most, then the dateline, then repeated mentions, then how early the first one comes. Each
signal closes part of the remaining gap to 1 (a noisy-or), so the score stays in [0, 1] and no single signal
decides alone: one mention halfway down the body scores about 0.1, a country in the headline, the dateline and
four paragraphs about 0.9.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from pipeline.tagging.storytext import StoryText

HEADLINE_WEIGHT = 0.55
DATELINE_WEIGHT = 0.35
MENTIONS_WEIGHT = 0.5
POSITION_WEIGHT = 0.25
MENTIONS_SCALE = 2.0  # each further mention closes this much less of the gap: 2 mentions 0.39, 4 mentions 0.78
# The relevance at which a story is about a tag, not one that mentions it in passing: the `about` fields of the
# index (pipeline/indexing.py). The spikes have their own bar, `min_tag_score` in config/spikes.toml
ABOUT = 0.4


class Mention(NamedTuple):
    """One place in the story text where a tag was found (a tuple, as cheap to make as the many a story has)."""

    start: int
    surface: str
    kind: str  # how: name/demonym/capital/metonym/place/dateline (countries), name/alias/short/title (actors)


@dataclass(frozen=True, slots=True)
class Evidence:
    surfaces: tuple[str, ...]  # distinct surface forms, in order of first appearance
    count: int
    first: int  # character offset of the first mention in the story text (see storytext)
    in_headline: bool
    in_dateline: bool
    kinds: tuple[str, ...]  # distinct kinds, in order of first appearance

    def to_dict(self) -> dict[str, Any]:
        return {
            "surfaces": list(self.surfaces),
            "count": self.count,
            "first": self.first,
            "in_headline": self.in_headline,
            "in_dateline": self.in_dateline,
            "kinds": list(self.kinds),
        }


def gather(mentions: Iterable[Mention], story: StoryText) -> Evidence:
    ordered = sorted(mentions, key=lambda mention: mention.start)
    segments = {story.segment_at(mention.start).kind for mention in ordered}
    return Evidence(
        surfaces=tuple(dict.fromkeys(mention.surface for mention in ordered)),
        count=len(ordered),
        first=ordered[0].start,
        in_headline="headline" in segments,
        in_dateline="dateline" in segments,
        kinds=tuple(dict.fromkeys(mention.kind for mention in ordered)),
    )


def relevance(evidence: Evidence, story: StoryText) -> float:
    mentions = 1 - math.exp(-(evidence.count - 1) / MENTIONS_SCALE)
    early = 1 - evidence.first / max(1, len(story.text))
    gap = (
        (1 - HEADLINE_WEIGHT * evidence.in_headline)
        * (1 - DATELINE_WEIGHT * evidence.in_dateline)
        * (1 - MENTIONS_WEIGHT * mentions)
        * (1 - POSITION_WEIGHT * early)
    )
    return round(1 - gap, 3)
