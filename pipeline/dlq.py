"""Dead-letter records read back: which ones a command picks, how they print, and which can go back to the raw topic.

The worker dead-letters at three stages (pipeline/app.py). Only a `parse` dead letter holds a raw item as a
connector published it, its original bytes and headers, so only it can be sent to the raw topic again; `dedup` and
`index` dead letters hold the worker's own JSON of a story, which the parser would refuse. No Kafka here:
`pipeline/dlq_cli.py` reads and writes the topics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol

from pipeline.deadletter import HEADER_AT, HEADER_DETAIL, HEADER_REASON, HEADER_STAGE
from pipeline.raw import HEADER_ORIGIN, HEADER_SOURCE

DLQ_HEADER_PREFIX = "dlq-"
REPLAYABLE_STAGE = "parse"
WHY_NOT_REPLAYABLE = {
    "dedup": "a dedup dead letter holds the parsed story (stories.parsed JSON), not the raw item the parser reads",
    "index": "an index dead letter holds the document Elasticsearch refused (stories.enriched JSON), not the raw "
    "item the parser reads",
}
LIST_DETAIL_CHARS = 300  # `list` is one line a record; `show` prints the whole detail
PREVIEW_BYTES = 64
_POSITION = re.compile(r"(\d+):(\d+)", re.ASCII)


class ConsumedRecord(Protocol):
    """The parts of a consumed Kafka record a dead letter is made of (kafka-python's ConsumerRecord has them)."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Any


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One record of the dead-letter topic, where it sits in the topic, and what its headers say."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]

    @classmethod
    def from_record(cls, record: ConsumedRecord) -> DeadLetter:
        headers = tuple((str(name), bytes(value or b"")) for name, value in (record.headers or []))
        return cls(record.partition, record.offset, record.key, record.value or b"", headers)

    def header(self, name: str) -> str | None:
        """A header's text; the last one wins, as dead_letter_headers appends its own after the original ones."""
        values = [value for found, value in self.headers if found == name]
        return values[-1].decode("utf-8", errors="replace") if values else None

    @property
    def stage(self) -> str | None:
        return self.header(HEADER_STAGE)

    @property
    def reason(self) -> str | None:
        return self.header(HEADER_REASON)

    @property
    def key_text(self) -> str | None:
        return None if self.key is None else self.key.decode("utf-8", errors="replace")

    def summary(self) -> dict[str, Any]:
        """The `dlq list` line: where the record is, why it is there and where it came from."""
        detail = self.header(HEADER_DETAIL)
        if detail and len(detail) > LIST_DETAIL_CHARS:
            detail = detail[:LIST_DETAIL_CHARS] + "…"
        return {
            "partition": self.partition,
            "offset": self.offset,
            "key": self.key_text,
            "stage": self.stage,
            "reason": self.reason,
            "detail": detail,
            "origin": self.header(HEADER_ORIGIN),
            "source": self.header(HEADER_SOURCE),
            "at": self.header(HEADER_AT),
            "size": len(self.value),
        }

    def details(self) -> dict[str, Any]:
        """The `dlq show` view: every header, and the payload as text when it is UTF-8, else a hex preview."""
        shown: dict[str, Any] = {
            "partition": self.partition,
            "offset": self.offset,
            "key": self.key_text,
            "headers": {name: value.decode("utf-8", errors="replace") for name, value in self.headers},
            "size": len(self.value),
        }
        try:
            shown["payload"] = self.value.decode("utf-8")
        except UnicodeDecodeError:
            shown["payload_hex_preview"] = self.value[:PREVIEW_BYTES].hex(" ")
        return shown

    def why_not_replayable(self) -> str | None:
        """None when the record holds a raw item, else why sending it to the raw topic would not help."""
        stage = self.stage
        if stage == REPLAYABLE_STAGE:
            return None
        if stage is None:
            return f"no {HEADER_STAGE} header: not a record the worker dead-lettered"
        return WHY_NOT_REPLAYABLE.get(stage, f"stage {stage!r}: only {REPLAYABLE_STAGE} dead letters hold a raw item")

    def replay_headers(self) -> list[tuple[str, bytes]]:
        """The headers the connector sent: everything but the worker's dlq-* ones."""
        return [(name, value) for name, value in self.headers if not name.startswith(DLQ_HEADER_PREFIX)]

    def replay_report(self, *, dry_run: bool) -> dict[str, Any]:
        """The `dlq replay` line for this record: replayed (or would be), or skipped and why."""
        report: dict[str, Any] = {
            "partition": self.partition,
            "offset": self.offset,
            "key": self.key_text,
            "stage": self.stage,
            "reason": self.reason,
            "origin": self.header(HEADER_ORIGIN),
        }
        if why := self.why_not_replayable():
            report["skipped"] = why
        else:
            report["would_replay" if dry_run else "replayed"] = True
        return report


def select(
    letters: Iterable[DeadLetter], *, reason: str | None = None, stage: str | None = None, limit: int | None = None
) -> Iterator[DeadLetter]:
    """The records with this reason and stage (either may be None: any), the first `limit` of them (None: all)."""
    chosen = (
        letter
        for letter in letters
        if (reason is None or letter.reason == reason) and (stage is None or letter.stage == stage)
    )
    return islice(chosen, limit)


def parse_position(text: str) -> tuple[int, int]:
    """(partition, offset) from `PARTITION:OFFSET`; a ValueError says what was wrong with it."""
    if not (match := _POSITION.fullmatch(text.strip())):
        raise ValueError(f"{text!r} is not PARTITION:OFFSET (two whole numbers, e.g. 0:42)")
    return int(match[1]), int(match[2])
