"""Replay connector: publishes a JSON-lines file of stories (one ninjs object a line) to `stories.raw`.

For backfills, demos and benchmarks. The byte offset after the last line of a batch is committed with
the batch (`connectors.position`), so a restarted replay resumes exactly where the last committed batch
ended and sends nothing twice itself, even when killed in the middle of a batch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from connectors.identity import story_id
from connectors.publisher import KafkaPublisher
from pipeline.raw import RawItem, item_key

log = logging.getLogger(__name__)
CONNECTOR = "replay"


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
                    key=item_key(source, story_id(text)),
                    value=text,
                    source=source,
                    content_type="application/json",
                    connector=CONNECTOR,
                ),
                offset,
            )


def replay(
    path: Path,
    publisher: KafkaPublisher,
    *,
    source: str,
    batch_size: int = 200,
    rate: float | None = None,
    follow: bool = False,
    poll_seconds: float = 1.0,
    stop: threading.Event | None = None,
) -> int:
    """Publish from the committed position to the end (or until stopped with follow); returns items sent.

    The position part is the file's absolute path: one instance can replay several files in turn.
    """
    stop = stop or threading.Event()
    part = str(path.resolve())
    offset = int((publisher.committed().get(part) or {}).get("offset", 0))
    sent = 0
    started = time.monotonic()
    while not stop.is_set():
        batch: list[RawItem] = []
        end = offset
        for item, end_of_line in read_items(path, offset, source):
            batch.append(item)
            end = end_of_line
            if len(batch) >= batch_size:
                offset = _flush(publisher, part, batch, end)
                sent += len(batch)
                batch = []
                _pace(rate, sent, started, stop)
                if stop.is_set():
                    return sent
        if batch:
            offset = _flush(publisher, part, batch, end)
            sent += len(batch)
        if not follow:
            return sent
        stop.wait(poll_seconds)
    return sent


def _flush(publisher: KafkaPublisher, part: str, batch: list[RawItem], end: int) -> int:
    publisher.publish(batch, {part: {"offset": end}})
    log.info("replay: %d items committed, offset %d", len(batch), end)
    return end


def _pace(rate: float | None, sent: int, started: float, stop: threading.Event) -> None:
    if rate:
        ahead = sent / rate - (time.monotonic() - started)
        if ahead > 0:
            stop.wait(ahead)
