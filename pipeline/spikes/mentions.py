"""What a story counts toward: its keys (countries, actors, topic terms) and the windowed counts they feed.

A story counts once, when dedup first sees it (`dedup.outcome == "new"`): updates, duplicates carried by other
sources and redeliveries are the same story and never inflate a count. A country or actor counts when the story is
about it (tag relevance at least `min_tag_score`), a topic for each of the story's terms (pipeline/spikes/terms.py).

Each hop's value in the Faust count table is a `WindowStories`: its distinct stories with their times (so a mention
delivered twice still counts once, and the count of any hop of the window is known whatever order the stories came
in) and the few most relevant, for the alert record; `merged` makes a window of its hops.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, TypedDict

from pipeline.spikes.alert import AlertStory, Kind, spike_key
from pipeline.spikes.terms import TermExtractor


@dataclass(frozen=True, slots=True)
class Mention:
    """One story counting toward one key: the message between the two spike agents."""

    kind: Kind
    key: str
    name: str
    story_id: str
    headline: str
    relevance: float
    at: float  # story time (epoch seconds): when it reached the pipeline

    @property
    def spike_key(self) -> str:
        return spike_key(self.kind, self.key)

    @staticmethod
    def to_json(mentions: list[Mention]) -> bytes:
        """One message for several mentions (a story's keys that share a partition)."""
        return json.dumps([asdict(mention) for mention in mentions]).encode()

    @classmethod
    def from_json(cls, value: bytes) -> list[Mention]:
        return [cls(**{**data, "kind": Kind(data["kind"])}) for data in json.loads(value)]


def mentions(record: dict[str, Any], extractor: TermExtractor, min_tag_score: float) -> list[Mention]:
    """The keys a story record of the enriched topic counts toward; none unless dedup found it new."""
    if (record.get("dedup") or {}).get("outcome") != "new":
        return []
    at = datetime.fromisoformat(record["ingested_at"].replace("Z", "+00:00")).timestamp()
    story_id, headline = record["story_id"], record["headline"]
    found: list[Mention] = []
    names: list[str] = []
    for kind, field, key_field in ((Kind.COUNTRY, "countries", "code"), (Kind.ACTOR, "actors", "id")):
        for tag in record.get(field) or []:
            names.extend([tag["name"], *((tag.get("evidence") or {}).get("surfaces") or [])])
            if tag["score"] >= min_tag_score:
                found.append(Mention(kind, tag[key_field], tag["name"], story_id, headline, tag["score"], at))
    for term in extractor.terms(headline, record.get("body") or [], record.get("language"), names):
        found.append(Mention(Kind.TOPIC, term.text, term.text, story_id, headline, term.weight, at))
    return found


class WindowStories(TypedDict):
    stories: dict[str, float]  # story_id → story time of every distinct story of the window, in arrival order
    top: list[list[Any]]  # [relevance, story_id, headline] of the most relevant, most relevant first


def add_story(window: WindowStories | dict[str, Any], story: list[Any], keep: int) -> WindowStories:
    """The window with one more story ([relevance, story_id, headline, time]); unchanged if it holds that story."""
    relevance, story_id, headline, at = story
    stories = window.get("stories", {})
    if story_id in stories:
        return WindowStories(stories=stories, top=window["top"])
    top = sorted([*window.get("top", []), [relevance, story_id, headline]], key=lambda entry: -entry[0])[:keep]
    return WindowStories(stories={**stories, story_id: at}, top=top)


def merged(hops: list[WindowStories | dict[str, Any]], keep: int) -> WindowStories:
    """The window made of its hops, newest hop first (the count table keeps one value a hop, so a story costs one
    write, not one per window it falls in): their distinct stories and the most relevant of them, earlier stories
    first among equals."""
    stories: dict[str, float] = {}
    entries: dict[str, list[Any]] = {}
    for hop in reversed(hops):
        stories.update(hop.get("stories", {}))
        for entry in hop.get("top", []):
            entries.setdefault(entry[1], entry)
    top = sorted(entries.values(), key=lambda entry: -entry[0])[:keep]
    return WindowStories(stories=stories, top=top)


def count(window: WindowStories | dict[str, Any], since: float = float("-inf")) -> int:
    """Distinct stories of the window, or those of them from `since` on."""
    return sum(1 for at in window.get("stories", {}).values() if at >= since)


def top_stories(window: WindowStories | dict[str, Any]) -> list[AlertStory]:
    return [AlertStory(story_id, headline) for _, story_id, headline in window.get("top", [])]
