"""Raw item → story record, as a pure function. Anything that cannot be read raises `Rejected`.

Supported so far: IPTC ninjs JSON and plain text. The caller (an agent, or `wirestream process`)
turns a `Rejected` into a dead-letter record carrying the reason and the original bytes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from pipeline.raw import RawItem
from pipeline.record import Dateline, Source, StoryRecord


class Rejected(Exception):
    """The item cannot become a story; `reason` is a short machine-readable code, `detail` says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def parse(item: RawItem, *, max_bytes: int) -> StoryRecord:
    if not item.value:
        raise Rejected("empty", "the item has no content")
    if len(item.value) > max_bytes:
        raise Rejected("too_large", f"{len(item.value)} bytes is over the {max_bytes}-byte cap")
    media_type = item.content_type.split(";")[0].strip().lower()
    if media_type == "application/json":
        return _from_ninjs(item)
    if media_type == "text/plain":
        return _from_text(item)
    raise Rejected("unsupported_content_type", f"no parser for {media_type!r}")


def _decode(item: RawItem) -> str:
    try:
        return item.value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected("bad_encoding", f"not valid UTF-8 at byte {exc.start}") from exc


def _from_ninjs(item: RawItem) -> StoryRecord:
    try:
        doc = json.loads(_decode(item))
    except json.JSONDecodeError as exc:
        raise Rejected("malformed_json", f"{exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    if not isinstance(doc, dict):
        raise Rejected("malformed_json", "a ninjs story must be a JSON object")
    headline = str(doc.get("headline") or "").strip()
    body = _paragraphs(str(doc.get("body_text") or ""))
    if not headline or not body:
        raise Rejected("missing_fields", "a story needs a headline and body_text")
    byline = str(doc.get("byline") or "").strip()
    return _record(
        item,
        source_item_id=str(doc.get("uri") or item.key),
        headline=headline,
        body=body,
        authors=[byline] if byline else [],
        published_at=_utc(doc.get("versioncreated") or doc.get("firstcreated"), item.received_at),
        language=doc.get("language"),
        agency=doc.get("copyrightholder"),
        dateline=Dateline(place=doc.get("located")),
        url=item.url,
    )


def _from_text(item: RawItem) -> StoryRecord:
    lines = _paragraphs(_decode(item))
    if len(lines) < 2:
        raise Rejected("missing_fields", "plain text needs a headline line and at least one paragraph")
    return _record(
        item,
        source_item_id=item.key,
        headline=lines[0],
        body=lines[1:],
        authors=[],
        published_at=_utc(None, item.received_at),
        language=None,
        agency=None,
        dateline=Dateline(),
        url=item.url,
    )


def _record(
    item: RawItem,
    *,
    source_item_id: str,
    headline: str,
    body: list[str],
    authors: list[str],
    published_at: str,
    language: str | None,
    agency: str | None,
    dateline: Dateline,
    url: str | None,
) -> StoryRecord:
    source = Source(agency=agency, publisher=item.source, connector=item.connector, url=url)
    return StoryRecord(
        story_id=hashlib.sha1(f"{item.source}\x00{source_item_id}".encode()).hexdigest()[:20],
        source=source,
        headline=headline,
        body=body,
        published_at=published_at,
        ingested_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
        url=url,
        authors=authors,
        dateline=dateline,
        language=language,
        content_type=item.content_type,
        sources=[source],
    )


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def _utc(value: object, fallback: str) -> str:
    """ISO 8601 in UTC; unparseable or missing times fall back to when we received the item."""
    for candidate in (value, fallback):
        if not candidate:
            continue
        try:
            moment = datetime.fromisoformat(str(candidate).replace("Z", "+00:00"))
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    return datetime.now(UTC).isoformat(timespec="seconds")
