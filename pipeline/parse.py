"""Raw item → story record, as a pure function. Anything that cannot be read raises `Rejected`.

The content type picks the format (IPTC ninjs JSON, NewsML-G2 XML, HTML pages, plain text); a missing
or `application/octet-stream` type is sniffed from the text. The caller (an agent, or `wirestream
process`) turns a `Rejected` into a dead-letter record carrying the reason and the original bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pipeline.encoding import decode
from pipeline.formats import ParsedStory, Rejected
from pipeline.formats.html import parse_html
from pipeline.formats.newsml import parse_newsml
from pipeline.formats.ninjs import parse_ninjs
from pipeline.formats.text import parse_text
from pipeline.language import declared_language, detect_language
from pipeline.plaintext import safe_url
from pipeline.raw import RawItem
from pipeline.record import Dateline, Source, StoryRecord, story_id
from pipeline.times import parse_time

Parser = Callable[[str], ParsedStory]
PARSERS: dict[str, Parser] = {
    "application/json": parse_ninjs,
    "application/ninjs+json": parse_ninjs,
    "application/vnd.iptc.ninjs+json": parse_ninjs,
    "application/xml": parse_newsml,
    "text/xml": parse_newsml,
    "application/vnd.iptc.g2.newsitem+xml": parse_newsml,
    "application/vnd.iptc.g2.newsmessage+xml": parse_newsml,
    "text/html": parse_html,
    "application/xhtml+xml": parse_html,
    "text/plain": parse_text,
}
_SNIFFED = ("", "application/octet-stream")
_SNIFF_CHARS = 1024


def parse(item: RawItem, *, max_bytes: int) -> StoryRecord:
    if not item.value:
        raise Rejected("empty", "the item has no content")
    if len(item.value) > max_bytes:
        raise Rejected("too_large", f"{len(item.value)} bytes is over the {max_bytes}-byte cap")
    media_type = item.content_type.split(";")[0].strip().lower()
    if media_type not in PARSERS and media_type not in _SNIFFED:
        raise Rejected("unsupported_content_type", f"no parser for {media_type!r}")
    text = decode(item.value, item.content_type).text
    if not text.strip():
        raise Rejected("empty", "the item holds only whitespace")
    parser = PARSERS[media_type] if media_type in PARSERS else _sniff(text)
    return _record(item, parser(text))


def _sniff(text: str) -> Parser:
    """The format of an item that arrived without a usable content type, from how its text starts."""
    head = text[:_SNIFF_CHARS].lstrip().lower()
    if head.startswith(("{", "[")):
        return parse_ninjs
    if "<newsitem" in head or "<newsmessage" in head:
        return parse_newsml
    if head.startswith(("<!doctype html", "<html")) or "<body" in head or "<p>" in head:
        return parse_html
    if head.startswith("<"):
        return parse_newsml
    return parse_text


def _record(item: RawItem, story: ParsedStory) -> StoryRecord:
    url = safe_url(item.url) or story.url  # a connector's link is checked like the story's own
    source = Source(agency=story.agency, publisher=item.source, connector=item.connector, url=url)
    language = declared_language(story.language) or detect_language(" ".join([story.headline, *story.body[:2]]))
    published = parse_time(story.published)
    return StoryRecord(
        story_id=story_id(item.source, story.item_id or item.key),
        source=source,
        headline=story.headline,
        headline_derived=story.headline_derived,
        body=story.body,
        published_at=_utc(published, item.received_at),
        published_at_received=published is None,
        ingested_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
        url=url,
        authors=story.authors,
        dateline=Dateline(place=story.place),
        language=language,
        captions=story.captions,
        comments=story.comments,
        content_type=item.content_type,
        sources=[source],
    )


def _utc(published: datetime | None, received: str) -> str:
    """The story's own time in ISO 8601 UTC; where it gave none we could read, when we received the item."""
    moment = published or parse_time(received) or datetime.now(UTC)
    return moment.isoformat(timespec="seconds")
