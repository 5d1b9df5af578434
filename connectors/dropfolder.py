"""Drop-folder connector: files an ingest gateway drops into a folder are published unchanged.

The folder is polled rather than watched with inotify: a file counts as complete only when its size and
modification time are the same on two polls in a row (writers give no "closed" signal we can rely on),
so the connector polls anyway, and polling also works on the network shares gateways write to, where
inotify sees nothing.

A published file is moved to `done/` only after its transaction committed; the transaction also holds
the file's signature as the position, so a file published but not yet moved when the process died is
moved on restart instead of being sent again. Files the connector cannot read go to `failed/` with a
`<name>.reason.txt`; bad content (malformed JSON, …) is the worker's business and goes to Kafka.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors import metrics
from connectors.publisher import KafkaPublisher
from pipeline.raw import RawItem, item_key

log = logging.getLogger(__name__)
CONNECTOR = "watch"
DONE, FAILED = "done", "failed"

CONTENT_TYPES = {
    ".txt": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".json": "application/json",
    ".xml": "application/vnd.iptc.g2.newsitem+xml",
}
# Partial files that editors, browsers and transfer tools write before renaming to the final name.
TEMP_SUFFIXES = (".tmp", ".part", ".partial", ".filepart", ".crdownload", ".swp", "~")

Signature = tuple[int, int]  # size, mtime in ns


def content_type_for(name: str) -> str | None:
    return CONTENT_TYPES.get(Path(name).suffix.lower())


def is_ignored(name: str) -> bool:
    """Dotfiles and temporary files are never taken: they are someone's work in progress."""
    return name.startswith((".", "~")) or name.lower().endswith(TEMP_SUFFIXES)


class StabilityTracker:
    """Which files kept the same size and mtime since the previous poll, i.e. are no longer being written."""

    def __init__(self) -> None:
        self._previous: dict[str, Signature] = {}

    def observe(self, snapshot: dict[str, Signature]) -> list[str]:
        stable = sorted(name for name, sig in snapshot.items() if self._previous.get(name) == sig)
        self._previous = dict(snapshot)
        return stable


def refusal(name: str, size: int, max_bytes: int) -> tuple[str, str] | None:
    """(code, explanation) of why the connector will not take a file, or None: content is not judged here."""
    if content_type_for(name) is None:
        known = ", ".join(sorted(CONTENT_TYPES))
        extension = Path(name).suffix or "(none)"
        return "unknown_extension", f"unknown extension {extension!r}: the drop folder takes {known}"
    if size > max_bytes:
        return "too_large", f"{size} bytes is over the size cap of {max_bytes} bytes (max_story_bytes)"
    return None


@dataclass(frozen=True, slots=True)
class Dropped:
    name: str
    item: RawItem
    record: dict[str, Any]  # the position value: what makes this file this file


def file_record(data: bytes, key: str) -> dict[str, Any]:
    return {"sha1": hashlib.sha1(data).hexdigest(), "size": len(data), "key": key}


class DropFolder:
    """One poll at a time: take stable files, publish a batch with their records, then move them."""

    def __init__(
        self, folder: Path, publisher: KafkaPublisher, *, source: str, max_bytes: int, batch_size: int = 100
    ) -> None:
        self.folder = folder
        self.publisher = publisher
        self.source = source
        self.max_bytes = max_bytes
        self.batch_size = batch_size
        self.tracker = StabilityTracker()
        self.committed: dict[str, Any] = {}
        self.unmovable: set[str] = set()
        for sub in (DONE, FAILED):
            (folder / sub).mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        self.committed = self.publisher.committed()

    def poll(self, stop: threading.Event) -> int:
        """Publish what is ready; returns the number of files published."""
        ready = self.tracker.observe(self._snapshot())
        batch: list[Dropped] = []
        sent = 0
        for name in ready:
            if stop.is_set():
                break
            if (dropped := self._take(name)) is not None:
                batch.append(dropped)
            if len(batch) >= self.batch_size:
                sent += self._publish(batch)
                batch = []
        if batch or self._stale_parts():
            sent += self._publish(batch)
        return sent

    def _snapshot(self) -> dict[str, Signature]:
        snapshot: dict[str, Signature] = {}
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if is_ignored(entry.name) or entry.name in self.unmovable:
                    continue
                try:
                    if entry.is_file(follow_symlinks=False):
                        stat = entry.stat(follow_symlinks=False)
                        snapshot[entry.name] = (stat.st_size, stat.st_mtime_ns)
                except OSError:
                    continue  # vanished between listing and stat
        return snapshot

    def _take(self, name: str) -> Dropped | None:
        path = self.folder / name
        try:
            size = path.stat().st_size
            if refused := refusal(name, size, self.max_bytes):
                self._fail(name, *refused)
                return None
            data = path.read_bytes()
        except OSError as exc:
            self._fail(name, "io_error", f"cannot read the file: {exc.strerror or exc!r}")
            return None
        key = item_key(self.source, name)
        record = file_record(data, key)
        if self.committed.get(name) == record:
            log.info("%s was committed before a restart; moving it to %s/ without resending", name, DONE)
            self._move(name, DONE)
            return None
        item = RawItem(
            key=key,
            value=data,
            source=self.source,
            content_type=CONTENT_TYPES[Path(name).suffix.lower()],
            connector=CONNECTOR,
            origin=f"file:{name}",
        )
        return Dropped(name, item, record)

    def _stale_parts(self) -> dict[str, None]:
        """Committed files no longer in the folder (moved): their records are deleted in the next batch."""
        return {name: None for name in self.committed if not (self.folder / name).exists()}

    def _publish(self, batch: list[Dropped]) -> int:
        position: dict[str, Any] = {**self._stale_parts(), **{d.name: d.record for d in batch}}
        self.publisher.publish([d.item for d in batch], position)
        for part, value in position.items():
            if value is None:
                self.committed.pop(part, None)
            else:
                self.committed[part] = value
        for dropped in batch:
            self._move(dropped.name, DONE)
        if batch:
            log.info("drop folder: %d files committed and moved to %s/", len(batch), DONE)
        else:  # only the positions of files moved earlier, deleted: nothing a reader of the log has to know
            log.debug("drop folder: positions of %d moved files cleared", len(position))
        return len(batch)

    def _fail(self, name: str, code: str, reason: str) -> None:
        metrics.REFUSED.labels(connector=CONNECTOR, reason=code).inc()
        log.warning("%s goes to %s/: %s", name, FAILED, reason)
        if (moved := self._move(name, FAILED)) is not None:
            moved.with_name(moved.name + ".reason.txt").write_text(reason + "\n")

    def _move(self, name: str, sub: str) -> Path | None:
        """Move without overwriting an earlier file of the same name; remember files that cannot move."""
        target = self.folder / sub / name
        stem, suffix = Path(name).stem, Path(name).suffix
        counter = 1
        while target.exists():
            target = self.folder / sub / f"{stem}.{counter}{suffix}"
            counter += 1
        try:
            os.replace(self.folder / name, target)
        except OSError as exc:
            log.error("cannot move %s to %s/ (%s); it will be skipped until restart", name, sub, exc)
            self.unmovable.add(name)
            return None
        return target


def watch(folder: DropFolder, stop: threading.Event, poll_seconds: float = 1.0) -> int:
    """Poll until stopped; a stop request lets the current batch finish first."""
    folder.start()
    sent = 0
    while not stop.is_set():
        sent += folder.poll(stop)
        stop.wait(poll_seconds)
    return sent
