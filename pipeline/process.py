"""The per-item pipeline that the worker and `wirestream process` share: raw item in, the record that
would be indexed out (parse, then tag), so offline output always matches what the worker indexes.

`process_items` adds dedup across a run's items, with the worker's `Deduplicator` over in-memory stores, so an
operator sees offline why the worker merges or splits stories. Also reads stories from files for the offline
command: the content type comes from the extension, the publisher from the folder a file sits in.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pipeline.dedupe import Deduplicator, DedupStores, load_config
from pipeline.enrich import enrich
from pipeline.formats import Rejected
from pipeline.parse import parse
from pipeline.raw import RawItem, item_key
from pipeline.record import StoryRecord

CONTENT_TYPES = {
    ".json": "application/json",
    ".jsonl": "application/json",
    ".xml": "application/xml",
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
}
CONNECTOR = "process"
STDIN = "-"  # the path that stands for standard input


def process(item: RawItem, *, max_bytes: int) -> StoryRecord:
    """The tagged record for one raw item; raises `Rejected` for an item that cannot become a story."""
    return enrich(parse(item, max_bytes=max_bytes))


def process_items(
    items: Iterable[tuple[str, RawItem]], *, max_bytes: int
) -> Iterator[tuple[str, StoryRecord | Rejected]]:
    """(label, record filed by dedup) for each item, or (label, refusal); dedup state spans the whole run."""
    deduplicator = Deduplicator(load_config(), DedupStores(stories={}, bands={}, fingerprints={}, items={}))
    for label, item in items:
        try:
            record = process(item, max_bytes=max_bytes)
        except Rejected as refusal:
            yield label, refusal
            continue
        yield label, deduplicator.dedupe(record).apply(record)


def stories_of(filed: Iterable[tuple[str, StoryRecord]]) -> list[dict[str, Any]]:
    """One entry a story, in the order they were first seen: its headline (from the item that set its text), its
    version, its sources, and each item filed under it with the outcome."""
    stories: dict[str, dict[str, Any]] = {}
    for label, record in filed:
        dedup = record.dedup or {}
        story = stories.setdefault(record.story_id, {"story_id": record.story_id, "items": []})
        if dedup.get("carries_text", True):
            story["headline"] = record.headline
        story["version"] = record.version
        story["sources"] = [asdict(source) for source in record.sources]
        story["items"].append({"file": label, "outcome": dedup.get("outcome"), "score": dedup.get("score")})
    return list(stories.values())


def items_from_paths(paths: Iterable[Path], *, source: str | None) -> Iterator[tuple[str, RawItem]]:
    """(label, item) for each story in the files, `-` standing for standard input; directories are walked
    recursively in sorted order and only their files with a known extension are read. A `.jsonl` file holds one
    ninjs story a line. The publisher is `source`, or else the name of the folder the file sits in (as in a drop
    folder per partner)."""
    for path in paths:
        if str(path) == STDIN:  # one story piped in, its format sniffed as for an untyped push, its id its content's
            data = sys.stdin.buffer.read()
            label = f"{STDIN}:{hashlib.sha1(data).hexdigest()[:12]}"
            yield STDIN, _item(label, data, "application/octet-stream", source or "stdin")
            continue
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in CONTENT_TYPES)
        else:
            files = [path]
        for file in files:
            yield from _file_items(file, source or file.resolve().parent.name)


def _file_items(file: Path, source: str) -> Iterator[tuple[str, RawItem]]:
    content_type = CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream")
    data = file.read_bytes()
    if file.suffix.lower() != ".jsonl":
        yield str(file), _item(str(file), data, content_type, source)
        return
    for number, line in enumerate(data.splitlines(), start=1):
        if line.strip():
            label = f"{file}:{number}"
            yield label, _item(label, line.strip(), content_type, source)


def _item(label: str, data: bytes, content_type: str, source: str) -> RawItem:
    return RawItem(
        key=item_key(source, label), value=data, source=source, content_type=content_type, connector=CONNECTOR
    )
