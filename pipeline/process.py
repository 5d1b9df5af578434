"""The per-item pipeline that the worker and `wirestream process` share: raw item in, the record that
would be indexed out (parse, then tag), so offline output always matches what the worker indexes; dedup needs
the stream's state and happens in the worker only.

Also reads stories from files for the offline command: the content type comes from the extension.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.enrich import enrich
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


def process(item: RawItem, *, max_bytes: int) -> StoryRecord:
    """The tagged record for one raw item; raises `Rejected` for an item that cannot become a story."""
    return enrich(parse(item, max_bytes=max_bytes))


def items_from_paths(paths: Iterable[Path], *, source: str) -> Iterator[tuple[str, RawItem]]:
    """(label, item) for each story in the files; directories are walked recursively in sorted order and
    only their files with a known extension are read. A `.jsonl` file holds one ninjs story a line."""
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in CONTENT_TYPES)
        else:
            files = [path]
        for file in files:
            yield from _file_items(file, source)


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
