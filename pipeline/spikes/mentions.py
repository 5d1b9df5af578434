"""What a story counts toward: its keys (countries, actors, topic terms) and the windowed counts they feed.

A story counts once, when dedup first sees it (`dedup.outcome == "new"`): updates, duplicates carried by other
sources and redeliveries are the same story and never inflate a count. A country or actor counts when the story is
about it (tag relevance at least `min_tag_score`), a topic for each of the story's terms (pipeline/spikes/terms.py).

A story counts at its story time (`story_time`: when it was published, never later than it reached the pipeline),
not when it arrived, and only while it is live (`is_late`). A backfill, a replay or a catch-up after an outage
brings stories published long ago all at once: on arrival time they piled into the current window and paged the
desk. Telling them by their own times needs nothing from connectors, as a backfill flag on the record would: a
catch-up after an outage comes from the ordinary live connectors, which cannot know to set it.

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
    at: float  # story time (epoch seconds): see `story_time`

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


def story_time(record: dict[str, Any]) -> float:
    """When a story counts (epoch seconds): when it was published, never later than it reached the pipeline.

    Windows follow story time rather than arrival, so stories that arrive together after an outage or in a replay
    fall in the hops they were published in, not all in the current one as a burst no newsroom saw. Arrival bounds
    it: a source whose clock runs ahead must not put stories in windows still to come."""
    return min(_epoch(record["published_at"]), _epoch(record["ingested_at"]))


def is_late(at: float, now: float, max_lateness: float) -> bool:
    """Whether a story of story time `at`, read at `now`, is too old to count: it may raise no alert.

    An alert is a page about what is happening now. Past `max_lateness` (config/spikes.toml: a window and a hop)
    the story's hop has left the window the detector judges now, so any alert it raised would be about a window
    that closed a while ago: a backfill, a replay or a catch-up, which must never page the desk. Such a story goes
    into neither the count table nor the detector: it could change no window still judged, and a baseline is a
    rate of live traffic, which a block of old stories arriving at once out of order is not. The worker counts it
    in a metric instead. Up to `max_lateness` a story is live, judged in its own window as before (polled feeds
    and partitions read side by side bring stories a few minutes late)."""
    return now - at > max_lateness


def mentions(
    record: dict[str, Any], extractor: TermExtractor, min_tag_score: float, at: float | None = None
) -> list[Mention]:
    """The keys a story record of the enriched topic counts toward, at `at` (the worker passes `story_time`;
    by default when the story reached the pipeline); none unless dedup found it new."""
    if (record.get("dedup") or {}).get("outcome") != "new":
        return []
    at = _epoch(record["ingested_at"]) if at is None else at
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


def _epoch(moment: str) -> float:
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp()
