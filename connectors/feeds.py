"""RSS and Atom feeds connector: polls each configured feed and publishes new entries as ninjs JSON.

Requests are conditional (ETag / If-None-Match, Last-Modified / If-Modified-Since): a 304 costs the
publisher nothing. Each feed's state (validators and the entries already sent, bounded) is the position
committed with the entries (`connectors.position`), so a restart neither loses nor resends an entry.
An entry is identified by its id (or link) and its updated time: a corrected story is sent again, under
the same key, and the pipeline versions it.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import threading
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx

from connectors import metrics
from connectors.publisher import KafkaPublisher
from pipeline.raw import RawItem, item_key

log = logging.getLogger(__name__)
CONNECTOR = "feeds"
# Entries remembered per feed beyond those in the current document: feeds served from caches of
# different ages drop entries and bring them back; anything older than this has left every window.
REMEMBERED = 1000

Version = tuple[str, str]  # entry id, updated time as the feed wrote it


@dataclass(frozen=True, slots=True)
class Feed:
    name: str
    url: str
    interval_seconds: float
    source: str


def load_feeds(path: Path) -> list[Feed]:
    """Feeds from the TOML config file (`[[feed]]` tables); names are position keys, so they must be unique."""
    with path.open("rb") as handle:
        tables = tomllib.load(handle).get("feed", [])
    feeds = [
        Feed(
            name=str(table["name"]),
            url=str(table["url"]),
            interval_seconds=float(table.get("interval_seconds", 300)),
            source=str(table.get("source", table["name"])),
        )
        for table in tables
    ]
    names = [feed.name for feed in feeds]
    if duplicates := sorted({name for name in names if names.count(name) > 1}):
        raise ValueError(f"{path}: feed names must be unique, repeated: {', '.join(duplicates)}")
    if bad := [feed.name for feed in feeds if feed.interval_seconds <= 0]:
        raise ValueError(f"{path}: interval_seconds must be positive for {', '.join(bad)}")
    return feeds


@dataclass(frozen=True, slots=True)
class FeedState:
    etag: str | None = None
    last_modified: str | None = None
    sent: tuple[Version, ...] = field(default_factory=tuple)

    @classmethod
    def from_json(cls, value: Mapping[str, Any] | None) -> FeedState:
        if not value:
            return cls()
        return cls(value.get("etag"), value.get("last_modified"), tuple((i, v) for i, v in value.get("sent", [])))

    def to_json(self) -> dict[str, Any]:
        return {"etag": self.etag, "last_modified": self.last_modified, "sent": [list(v) for v in self.sent]}

    def request_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    def unsent(self, entries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """Entries not sent yet, oldest first (feeds list the newest first)."""
        seen = set(self.sent)
        return [entry for entry in reversed(entries) if entry_version(entry) not in seen]

    def after(self, entries: Sequence[Mapping[str, Any]], etag: str | None, last_modified: str | None) -> FeedState:
        """The state once every entry of the current document is sent; older memories fill up to REMEMBERED."""
        current = list(dict.fromkeys(entry_version(entry) for entry in reversed(entries)))
        in_document = set(current)
        older = [version for version in self.sent if version not in in_document]
        room = max(0, REMEMBERED - len(current))
        return FeedState(etag, last_modified, (*(older[-room:] if room else []), *current))


def entry_id(entry: Mapping[str, Any]) -> str:
    """The entry's id, else its link, else a digest of its title and date (RSS makes guid optional)."""
    if entry.get("id"):
        return str(entry["id"])
    if entry.get("link"):
        return str(entry["link"])
    return hashlib.sha1(f"{entry.get('title', '')}\x00{entry.get('published', '')}".encode()).hexdigest()


def entry_version(entry: Mapping[str, Any]) -> Version:
    return entry_id(entry), str(_own(entry, "updated") or _own(entry, "published") or "")


def _own(entry: Mapping[str, Any], name: str) -> Any:
    """The entry's own field: feedparser answers a missing `updated` with `published` and a warning."""
    return dict.get(entry, name) if isinstance(entry, dict) else entry.get(name)


def _utc(parsed: time.struct_time | None) -> str | None:
    """feedparser gives dates as UTC struct_time; ninjs wants ISO 8601."""
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat().replace("+00:00", "Z")


def to_ninjs(entry: Mapping[str, Any], feed_language: str | None = None) -> dict[str, Any]:
    """An IPTC ninjs 1.x object for one feed entry: the format the parser already reads."""
    content = (entry.get("content") or [{}])[0]
    detail = content or entry.get("summary_detail") or {}
    body = content.get("value") or entry.get("summary")
    doc: dict[str, Any] = {
        "uri": entry_id(entry),
        "type": "text",
        "headline": entry.get("title"),
        "body_text" if detail.get("type") == "text/plain" else "body_html": body,
        "byline": entry.get("author"),
        "versioncreated": _utc(_own(entry, "updated_parsed") or _own(entry, "published_parsed")),
        "firstcreated": _utc(entry.get("published_parsed")),
        "language": content.get("language") or entry.get("language") or feed_language,
        "url": entry.get("link"),
    }
    return {name: value for name, value in doc.items() if value}


def to_item(entry: Mapping[str, Any], feed: Feed, feed_language: str | None) -> RawItem:
    return RawItem(
        key=item_key(feed.source, entry_id(entry)),
        value=json.dumps(to_ninjs(entry, feed_language), ensure_ascii=False).encode(),
        source=feed.source,
        content_type="application/json",
        connector=CONNECTOR,
        url=entry.get("link"),
        origin=f"feed:{feed.url} entry:{entry_id(entry)}",
    )


def poll_feed(client: httpx.Client, feed: Feed, state: FeedState, publisher: KafkaPublisher) -> FeedState:
    """Fetch once and publish what is new with the new state; the state returned is the committed one."""
    try:
        response = client.get(feed.url, headers=state.request_headers())
        if response.status_code == 304:
            metrics.FETCHES.labels(outcome="not_modified").inc()
            return state
        response.raise_for_status()
    except httpx.HTTPError as exc:
        metrics.FETCHES.labels(outcome="error").inc()
        log.warning("feed %s: %s; next try in %ss", feed.name, exc, feed.interval_seconds)
        return state
    declared = {"content-type": response.headers.get("content-type", "")}  # its charset, for feedparser
    parsed = feedparser.parse(response.content, response_headers=declared)
    if parsed.bozo and not parsed.entries:
        metrics.FETCHES.labels(outcome="error").inc()
        log.warning("feed %s: not a feed (%s)", feed.name, parsed.get("bozo_exception"))
        return state
    metrics.FETCHES.labels(outcome="modified").inc()
    language = parsed.feed.get("language")
    new = state.unsent(parsed.entries)
    updated = state.after(parsed.entries, response.headers.get("etag"), response.headers.get("last-modified"))
    if new or updated != state:
        publisher.publish([to_item(entry, feed, language) for entry in new], {feed.name: updated.to_json()})
        log.info("feed %s: %d new entries committed", feed.name, len(new))
    return updated


def run_feeds(feeds: Sequence[Feed], publisher: KafkaPublisher, client: httpx.Client, stop: threading.Event) -> None:
    """Poll each feed at its own interval until stopped; a stop request lets the current feed finish."""
    committed = publisher.committed()
    states = {feed.name: FeedState.from_json(committed.get(feed.name)) for feed in feeds}
    due = dict.fromkeys(states, 0.0)
    while not stop.is_set():
        for feed in feeds:
            if due[feed.name] <= time.monotonic() and not stop.is_set():
                states[feed.name] = poll_feed(client, feed, states[feed.name], publisher)
                due[feed.name] = time.monotonic() + feed.interval_seconds
        if due:
            stop.wait(max(0.0, min(due.values()) - time.monotonic()))
        else:
            stop.wait()
