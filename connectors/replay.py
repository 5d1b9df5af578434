"""Replay connector: publishes a JSON-lines file of stories (one ninjs object a line) to `stories.raw`.

For backfills, demos and benchmarks. The byte offset after the last line of a batch is committed with
the batch (`connectors.position`), so a restarted replay resumes exactly where the last committed batch
ended and sends nothing twice itself, even when killed in the middle of a batch.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from connectors.identity import story_id
from connectors.pace import Pacer, Progress
from connectors.publisher import KafkaPublisher
from pipeline.raw import RawItem, item_key

log = logging.getLogger(__name__)
CONNECTOR = "replay"


def read_items(path: Path, start: int, source: str, line: int | None = None) -> Iterator[tuple[RawItem, int]]:
    """Yield (item, offset just after its line) from a byte offset; stops at the last complete line.

    `line` is the number of the line at `start` (counted when not given): each item's origin names its line."""
    where = str(path.resolve())
    first = 1 + newlines(path, 0, start) if line is None else line
    with path.open("rb") as handle:
        handle.seek(start)
        offset = start
        for number, line_bytes in enumerate(handle, start=first):
            if not line_bytes.endswith(b"\n"):
                return  # a line still being written: picked up on the next pass
            offset += len(line_bytes)
            text = line_bytes.strip()
            if not text:
                continue
            yield (
                RawItem(
                    key=item_key(source, story_id(text)),
                    value=text,
                    source=source,
                    content_type="application/json",
                    connector=CONNECTOR,
                    origin=f"file:{where} line:{number}",
                ),
                offset,
            )


def newlines(path: Path, start: int, end: int) -> int:
    """Line ends in the bytes [start, end) of a file: how many lines a resumed replay has behind it."""
    count = 0
    with path.open("rb") as handle:
        handle.seek(start)
        while start < end and (chunk := handle.read(min(end - start, 1 << 20))):
            count += chunk.count(b"\n")
            start += len(chunk)
    return count


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
    line = 1 + newlines(path, 0, offset)
    pacer = Pacer(rate)
    progress = Progress(count_items(path, 0, offset), 0, following=follow)
    batch: list[RawItem] = []
    end = offset

    def flush() -> None:
        """Publish the batch with the offset it reaches, in one transaction."""
        nonlocal offset
        if batch:
            publisher.publish(batch, {part: {"offset": end}})
            log.debug("replay: %d items committed, offset %d", len(batch), end)
            offset = end
            if said := progress.advance(len(batch)):
                log.info(said)
            batch.clear()

    while not stop.is_set():
        progress.total = progress.done + count_items(path, offset)  # counted again each pass: a followed file grows
        begun = offset
        for item, end_of_line in read_items(path, offset, source, line):
            if pacer.wait():
                flush()  # the stories due go now, the next one at its time
                if stop.wait(pacer.wait()):
                    break
            batch.append(item)
            end = end_of_line
            pacer.sent()
            if len(batch) >= batch_size:
                flush()
                if stop.is_set():
                    break
        flush()
        if not follow or stop.is_set():
            break
        line += newlines(path, begun, offset)
        stop.wait(poll_seconds)
    log.info(progress.line())
    return progress.sent


def count_items(path: Path, start: int, end: int | None = None) -> int:
    """Items (complete, non-blank lines) in the bytes [start, end) of a file, as `read_items` yields them; no
    parsing, so a replay knows its total before it starts."""
    count = 0
    with path.open("rb") as handle:
        handle.seek(start)
        for line_bytes in handle:
            start += len(line_bytes)
            if end is not None and start > end:
                break
            count += line_bytes.endswith(b"\n") and bool(line_bytes.strip())
    return count
