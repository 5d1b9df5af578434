"""The raw item as it travels on `stories.raw`: original bytes plus the headers connectors attach.

Connectors never parse; they forward what they received, so the pipeline (and the dead-letter
topic) always holds the original bytes, and the `origin` header says where they came from, so a
dead-lettered item can be traced to its file, feed entry or request. Origins by connector:

    watch   file:<name in the watched folder>
    replay  file:<absolute path> line:<line number, from 1>
    feeds   feed:<feed URL> entry:<entry id>
    push    request:<request id> item:<index in the request's batch, from 0>
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

HEADER_SOURCE = "source"
HEADER_CONTENT_TYPE = "content-type"
HEADER_URL = "url"
HEADER_RECEIVED_AT = "received-at"
HEADER_CONNECTOR = "connector"
HEADER_ORIGIN = "origin"


@dataclass(frozen=True, slots=True)
class RawItem:
    """One item from one source, exactly as received."""

    key: str
    value: bytes
    source: str
    content_type: str
    connector: str
    url: str | None = None
    received_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds"))
    origin: str | None = None

    def headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers, in the list-of-pairs form both kafka-python and aiokafka take."""
        pairs = [
            (HEADER_SOURCE, self.source),
            (HEADER_CONTENT_TYPE, self.content_type),
            (HEADER_CONNECTOR, self.connector),
            (HEADER_RECEIVED_AT, self.received_at),
        ]
        if self.url:
            pairs.append((HEADER_URL, self.url))
        if self.origin:
            pairs.append((HEADER_ORIGIN, self.origin))
        return [(name, text.encode("utf-8")) for name, text in pairs]

    @classmethod
    def from_kafka(cls, key: bytes | None, value: bytes | None, headers: object) -> RawItem:
        """Rebuild an item from a consumed record; tolerant of missing or undecodable headers."""
        found: dict[str, str] = {}
        for name, raw in _header_pairs(headers):
            found[name] = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
        return cls(
            key=(key or b"").decode("utf-8", errors="replace"),
            value=value or b"",
            source=found.get(HEADER_SOURCE, "unknown"),
            content_type=found.get(HEADER_CONTENT_TYPE, "application/octet-stream"),
            connector=found.get(HEADER_CONNECTOR, "unknown"),
            url=found.get(HEADER_URL),
            received_at=found.get(HEADER_RECEIVED_AT) or datetime.now(UTC).isoformat(timespec="milliseconds"),
            origin=found.get(HEADER_ORIGIN),
        )


def _header_pairs(headers: object) -> list[tuple[str, object]]:
    if headers is None:
        return []
    if isinstance(headers, dict):
        return list(headers.items())
    return [tuple(pair) for pair in headers]  # type: ignore[misc]


def item_key(source: str, source_item_id: str) -> str:
    """A stable Kafka key for one source item, so redelivery of the same item keeps its partition."""
    digest = hashlib.sha1(f"{source}\x00{source_item_id}".encode()).hexdigest()[:24]
    return f"{source}:{digest}"
