"""The worker's log on the real servers: an Elasticsearch outage is one WARNING when it starts and one INFO when it
ends (no traceback), the story sent meanwhile is indexed after it, and SIGTERM stops the worker with no ERROR line.

The worker reaches Elasticsearch through a TCP relay of the test's own, so the outage is the relay closing its port:
the shared Elasticsearch keeps running. The worker has its own app, topics and index, all deleted at the end."""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaProducer

from pipeline.parse import parse
from pipeline.raw import RawItem, item_key
from pipeline.settings import Settings
from tests.conftest import ROOT
from tests.integration.conftest import (
    distinct_stories,
    free_port,
    indexed_doc,
    settings_of,
    start_worker,
    stop,
    wait_for,
    wirestream,
)

SOURCE = "logwire"


class Relay:
    """Forwards a local port to Elasticsearch; `down()` closes the port and every connection through it."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._server: socketserver.ThreadingTCPServer | None = None
        self._sockets: set[socket.socket] = set()

    def up(self) -> None:
        relay = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with socket.create_connection(relay.target) as upstream:
                    relay._sockets |= {self.request, upstream}
                    back = threading.Thread(target=_pump, args=(upstream, self.request), daemon=True)
                    back.start()
                    _pump(self.request, upstream)
                    back.join()

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for sock in list(self._sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._sockets.clear()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def relay(settings: Settings) -> Iterator[Relay]:
    url = urlsplit(settings.es_url)
    relay = Relay((url.hostname or "127.0.0.1", url.port or 9200))
    relay.up()
    try:
        yield relay
    finally:
        relay.down()


def test_an_elasticsearch_outage_logs_one_warning_and_one_recovery_and_sigterm_no_error(
    own_app: Callable[..., dict[str, str]], relay: Relay, es: Elasticsearch, run_id: str, tmp_path: Path
) -> None:
    own = own_app("logs", WIRESTREAM_ES_URL=f"http://127.0.0.1:{relay.port}")
    settings = settings_of(own)
    subprocess.run(wirestream("topics"), env=own, cwd=ROOT, check=True, capture_output=True, timeout=60)
    log = tmp_path / "worker.log"
    worker = start_worker(own, log)
    try:
        before, during = (_item(story) for story in distinct_stories(2, seed=31, prefix=f"{run_id}logs"))
        before_id, during_id = (parse(item, max_bytes=settings.max_story_bytes).story_id for item in (before, during))
        _send(settings.kafka_bootstrap, settings.raw_topic, before)
        wait_for(lambda: indexed_doc(es, settings.index_alias, before_id), timeout=90, what="a first story", log=log)

        relay.down()
        _send(settings.kafka_bootstrap, settings.raw_topic, during)
        wait_for(lambda: "retrying with backoff" in log.read_text(), timeout=60, what="the outage warning", log=log)
        relay.up()
        wait_for(lambda: "is back after" in log.read_text(), timeout=90, what="the recovery line", log=log)
        wait_for(lambda: indexed_doc(es, settings.index_alias, during_id), timeout=60, what="the story sent during it")
    finally:
        stop(worker, timeout=60)  # SIGTERM
    text = log.read_text()
    lines = text.splitlines()
    outage = [line for line in lines if "(index " in line and "stories)" in line]
    assert [_level(line) for line in outage] == ["WARNING", "INFO"], outage
    assert "Traceback" not in text
    assert [line for line in lines if _level(line) in ("ERROR", "CRITICAL")] == []
    assert worker.returncode == 0


def _level(line: str) -> str | None:
    """The level of a Faust log line: `[time] [pid] [LEVEL] message`."""
    parts = line.split("] [")
    return parts[2].split("]")[0] if len(parts) > 2 else None


def _item(story: bytes) -> RawItem:
    return RawItem(item_key(SOURCE, json.loads(story)["uri"]), story, SOURCE, "application/json", "replay")


def _send(bootstrap: str, topic: str, item: RawItem) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        producer.send(topic, key=item.key.encode(), value=item.value, headers=item.headers()).get(timeout=30)
    finally:
        producer.close(timeout=10)
