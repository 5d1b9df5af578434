"""Every connector names where each raw item came from in its `origin` header, and the header survives Kafka."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from connectors.dropfolder import DropFolder
from connectors.feeds import Feed, to_item
from connectors.kafka_health import OK, KafkaHealth
from connectors.push import PushRunner, RateLimiter, create_app
from connectors.replay import read_items, replay
from pipeline.raw import HEADER_ORIGIN, RawItem


class RecordingPublisher:
    """Stands in for KafkaPublisher: keeps what it was given; `on_publish` runs after each batch."""

    def __init__(self, committed: dict[str, Any] | None = None, on_publish: Any = None) -> None:
        self.batches: list[list[RawItem]] = []
        self._committed = committed or {}
        self.on_publish = on_publish

    def committed(self) -> dict[str, Any]:
        return self._committed

    def publish(self, items: Sequence[RawItem], position: dict[str, Any] | None = None) -> None:
        self.batches.append(list(items))
        if self.on_publish:
            self.on_publish(len(self.batches))

    def close(self) -> None:
        pass

    @property
    def origins(self) -> list[str | None]:
        return [item.origin for batch in self.batches for item in batch]


def test_origin_round_trips_through_kafka_headers() -> None:
    item = RawItem("k", b"v", "wire", "text/plain", "watch", origin="file:a b.txt")
    assert dict(item.headers())[HEADER_ORIGIN] == b"file:a b.txt"
    assert RawItem.from_kafka(b"k", b"v", item.headers()) == item
    assert HEADER_ORIGIN not in dict(RawItem("k", b"v", "wire", "text/plain", "watch").headers())
    assert RawItem.from_kafka(b"k", b"v", []).origin is None


def test_replay_origin_is_the_absolute_path_and_line_counted_from_the_file_start(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b'{"uri": "a"}\n\n{"uri": "b"}\n{"uri": "c"}\n')
    where = path.resolve()
    items = list(read_items(path, 0, "src"))
    assert [item.origin for item, _ in items] == [f"file:{where} line:{n}" for n in (1, 3, 4)]
    resumed = list(read_items(path, items[0][1], "src"))  # from the byte after line 1, line unknown: counted
    assert [item.origin for item, _ in resumed] == [f"file:{where} line:{n}" for n in (3, 4)]


def test_replay_numbers_lines_from_a_committed_offset_and_across_follow_passes(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b'{"uri": "a"}\n{"uri": "b"}\n\n{"uri": "c"}\n')
    stop = threading.Event()

    def grow_then_stop(batches: int) -> None:
        if batches == 1:
            with path.open("ab") as handle:
                handle.write(b'\n{"uri": "d"}\n')
        else:
            stop.set()

    committed = {str(path.resolve()): {"offset": len(b'{"uri": "a"}\n')}}
    publisher = RecordingPublisher(committed, grow_then_stop)
    replay(path, publisher, source="src", follow=True, poll_seconds=0.01, stop=stop)  # type: ignore[arg-type]
    where = path.resolve()
    assert publisher.origins == [f"file:{where} line:{n}" for n in (2, 4, 6)]


def test_drop_folder_origin_is_the_file_name_in_the_folder(tmp_path: Path) -> None:
    (tmp_path / "story one.json").write_bytes(b'{"uri": "x"}')
    (tmp_path / "b.txt").write_bytes(b"Headline\n\nBody.")
    publisher = RecordingPublisher()
    folder = DropFolder(tmp_path, publisher, source="drop", max_bytes=1000)  # type: ignore[arg-type]
    folder.start()
    stop = threading.Event()
    folder.poll(stop)  # first sight: not yet known to be complete
    assert folder.poll(stop) == 2
    assert sorted(publisher.origins) == ["file:b.txt", "file:story one.json"]  # type: ignore[type-var]


def test_feed_origin_is_the_feed_url_and_the_entry_id() -> None:
    feed = Feed(name="wire", url="https://example.org/rss.xml", interval_seconds=60, source="wire")
    with_id = {"id": "urn:x:1", "title": "T"}
    assert to_item(with_id, feed, None).origin == "feed:https://example.org/rss.xml entry:urn:x:1"
    linked = {"link": "https://example.org/a", "title": "T"}
    assert to_item(linked, feed, None).origin == "feed:https://example.org/rss.xml entry:https://example.org/a"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _push_twice(publisher: RecordingPublisher) -> list[tuple[int, str, dict[str, Any]]]:
    app = create_app(
        publisher,  # type: ignore[arg-type]
        token="t0ken",
        max_bytes=10_000,
        max_story_bytes=1_000,
        limiter=RateLimiter(1000, 1000),
        anonymous_limiter=RateLimiter(1000, 1000),
        kafka=KafkaHealth(lambda: OK, ttl=5),
        publish_timeout=5,
    )
    runner = PushRunner(app)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    answers = []
    try:
        async with aiohttp.ClientSession() as session:
            for batch in ([{"uri": "urn:p:0"}, {"uri": "urn:p:1"}, {"uri": "urn:p:2"}], {"uri": "urn:p:3"}):
                async with session.post(
                    f"http://127.0.0.1:{port}/stories", json=batch, headers={"Authorization": "Bearer t0ken"}
                ) as response:
                    answers.append((response.status, response.headers["X-Request-Id"], await response.json()))
    finally:
        await runner.cleanup()
    return answers


def test_push_gives_each_request_an_id_returned_logged_and_in_each_items_origin(
    caplog: pytest.LogCaptureFixture,
) -> None:
    publisher = RecordingPublisher()
    with caplog.at_level(logging.INFO, logger="connectors.push"):
        answers = asyncio.run(_push_twice(publisher))
    [(status, first, body), (_, second, _)] = answers
    assert status == 202
    assert body["request_id"] == first
    assert first != second
    assert publisher.origins == [f"request:{first} item:{n}" for n in range(3)] + [f"request:{second} item:0"]
    assert first in caplog.text and second in caplog.text
