"""Replay connector: publishes a JSON-lines file of stories (one ninjs object a line) to `stories.raw`.

For backfills, demos and benchmarks. The byte offset of the last acknowledged line is saved after
every batch, so a restarted replay resumes where Kafka last confirmed and sends nothing twice itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from connectors.publisher import KafkaPublisher
from pipeline.raw import RawItem, item_key

log = logging.getLogger(__name__)
CONNECTOR = "replay"


@dataclass(slots=True)
class ReplayPosition:
    """Where in which file the last acknowledged batch ended; stored as JSON beside other state."""

    path: Path

    def load(self, source_file: Path) -> int:
        if not self.path.exists():
            return 0
        saved = json.loads(self.path.read_text())
        if saved.get("file") != str(source_file.resolve()):
            return 0
        return int(saved.get("offset", 0))

    def save(self, source_file: Path, offset: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"file": str(source_file.resolve()), "offset": offset}))
        tmp.replace(self.path)


def read_items(path: Path, start: int, source: str) -> Iterator[tuple[RawItem, int]]:
    """Yield (item, offset just after its line) from a byte offset; stops at the last complete line."""
    with path.open("rb") as handle:
        handle.seek(start)
        offset = start
        for line in handle:
            if not line.endswith(b"\n"):
                return  # a line still being written: picked up on the next pass
            offset += len(line)
            text = line.strip()
            if not text:
                continue
            yield (
                RawItem(
                    key=item_key(source, _item_id(text)),
                    value=text,
                    source=source,
                    content_type="application/json",
                    connector=CONNECTOR,
                ),
                offset,
            )


def _item_id(line: bytes) -> str:
    """The ninjs `uri` when the line has one, else a digest of the line, so keys are stable across replays."""
    try:
        doc = json.loads(line)
        if isinstance(doc, dict) and doc.get("uri"):
            return str(doc["uri"])
    except (json.JSONDecodeError, UnicodeDecodeError):
        pass  # unreadable lines still go to Kafka; the parser dead-letters them with a reason
    return hashlib.sha1(line).hexdigest()


def replay(
    path: Path,
    publisher: KafkaPublisher,
    position: ReplayPosition,
    *,
    source: str,
    batch_size: int = 200,
    rate: float | None = None,
    follow: bool = False,
    poll_seconds: float = 1.0,
    should_stop: callable = lambda: False,  # type: ignore[valid-type]
) -> int:
    """Publish from the saved position to the end (or forever with follow); returns items sent."""
    sent = 0
    started = time.monotonic()
    while not should_stop():
        offset = position.load(path)
        batch: list[RawItem] = []
        end = offset
        for item, end_of_line in read_items(path, offset, source):
            batch.append(item)
            end = end_of_line
            if len(batch) >= batch_size:
                sent += _flush(publisher, position, path, batch, end)
                batch = []
                _pace(rate, sent, started)
                if should_stop():
                    return sent
        sent += _flush(publisher, position, path, batch, end)
        if not follow:
            return sent
        time.sleep(poll_seconds)
    return sent


def _flush(publisher: KafkaPublisher, position: ReplayPosition, path: Path, batch: list[RawItem], end: int) -> int:
    if batch:
        publisher.publish(batch)
        position.save(path, end)
        log.info("replay: %d items acknowledged, offset %d", len(batch), end)
    return len(batch)


def _pace(rate: float | None, sent: int, started: float) -> None:
    if rate:
        ahead = sent / rate - (time.monotonic() - started)
        if ahead > 0:
            time.sleep(ahead)
