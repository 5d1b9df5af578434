"""Every connector against the real Kafka: items arrive with their keys and headers, positions survive a
SIGKILL in the middle of a transaction (nothing lost, nothing twice, read with read_committed), the drop
folder's done/ and failed/ moves, the feed connector's conditional requests, the push endpoint's answers."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from kafka import KafkaConsumer, TopicPartition

from connectors.dropfolder import DropFolder
from connectors.publisher import KafkaPublisher
from pipeline.raw import RawItem, item_key
from pipeline.settings import Settings
from tests.conftest import ROOT
from tests.integration.conftest import wait_for, wirestream

FIXTURES = ROOT / "tests" / "data" / "connectors"
TOKEN = "test-token-" + uuid.uuid4().hex


def raw_topic(run_id: str) -> str:
    """This module's own raw topic: the thousands of items sent here must not queue up in front of the stories
    the end-to-end tests send through the session's worker."""
    return f"{run_id}.connectors.raw"


@pytest.fixture(scope="module")
def settings(settings: Settings, run_id: str) -> Settings:
    return settings.model_copy(update={"raw_topic": raw_topic(run_id)})


@pytest.fixture(scope="module")
def connector_env(env: dict[str, str], run_id: str, kafka_ready: None) -> dict[str, str]:
    """The session's topics plus its own positions topic; the raw topic exists with its partitions."""
    connector_env = {
        **env,
        "WIRESTREAM_RAW_TOPIC": raw_topic(run_id),
        "WIRESTREAM_POSITIONS_TOPIC": f"{run_id}.connectors.positions",
    }
    subprocess.run(wirestream("topics"), env=connector_env, cwd=ROOT, check=True, capture_output=True, timeout=60)
    return connector_env


@pytest.fixture(scope="module")
def connector_settings(settings: Settings, connector_env: dict[str, str]) -> Settings:
    return settings.model_copy(update={"positions_topic": connector_env["WIRESTREAM_POSITIONS_TOPIC"]})


def read_topic(settings: Settings, *, prefix: str, committed: bool = True, timeout: float = 30) -> list[Any]:
    """Every record of the raw topic up to its end whose key starts with `prefix`."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed" if committed else "read_uncommitted",
    )
    try:
        partitions = [TopicPartition(settings.raw_topic, p) for p in consumer.partitions_for_topic(settings.raw_topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            assert time.monotonic() < deadline, "could not read the raw topic to its end"
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
    finally:
        consumer.close()
    return [record for record in records if record.key.decode().startswith(prefix)]


def kill_inside_transaction(process: subprocess.Popen, settings: Settings, timeout: float = 60) -> None:
    """SIGKILL the connector while a batch is written but not committed (high watermark above the LSO)."""
    ends = {
        level: KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None, isolation_level=level)
        for level in ("read_committed", "read_uncommitted")
    }
    try:
        partitions = [
            TopicPartition(settings.raw_topic, p)
            for p in ends["read_committed"].partitions_for_topic(settings.raw_topic)
        ]

        def open_records() -> int:
            stable = sum(ends["read_committed"].end_offsets(partitions).values())
            return sum(ends["read_uncommitted"].end_offsets(partitions).values()) - stable

        deadline = time.monotonic() + timeout
        while open_records() <= 0:
            assert process.poll() is None, "the connector finished before a batch could be interrupted"
            assert time.monotonic() < deadline, "no open transaction seen"
            time.sleep(0.002)
        process.kill()
        process.wait(timeout=10)
        assert open_records() > 0, "the batch committed before the kill landed"
    finally:
        for consumer in ends.values():
            consumer.close()


def keys_of(records: list[Any]) -> Counter[bytes]:
    return Counter(record.key for record in records)


def stop(process: subprocess.Popen, timeout: float = 30) -> subprocess.CompletedProcess:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        wirestream(*args, "--metrics-port", "0"),
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# ---- replay ------------------------------------------------------------------------------------------


def test_replay_killed_inside_a_batch_resumes_with_nothing_lost_or_twice(
    connector_env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    source, count = f"replay-{uuid.uuid4().hex[:6]}", 6000
    path = tmp_path / "stories.jsonl"
    stories = [
        {"uri": f"urn:test:{n}", "headline": f"Story {n}", "body_text": f"Paragraph {n}. " * 40} for n in range(count)
    ]
    path.write_text("".join(json.dumps(story) + "\n" for story in stories))
    args = ["replay", str(path), "--source", source, "--batch", "1000"]

    kill_inside_transaction(start([*args, "--rate", "3000"], connector_env), settings)
    before = keys_of(read_topic(settings, prefix=source))
    assert 0 <= sum(before.values()) < count

    finished = subprocess.run(
        wirestream(*args), env=connector_env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert json.loads(finished.stdout.splitlines()[-1])["sent"] == count - sum(before.values())

    arrived = keys_of(read_topic(settings, prefix=source))
    assert set(arrived) == {item_key(source, f"urn:test:{n}").encode() for n in range(count)}
    assert max(arrived.values()) == 1
    aborted = len(read_topic(settings, prefix=source, committed=False)) - count
    assert aborted > 0  # the killed batch reached Kafka uncommitted and was aborted on restart


# ---- drop folder ---------------------------------------------------------------------------------------


def test_drop_folder_publishes_readable_files_and_moves_the_rest_to_failed(
    connector_env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    source = f"drop-{uuid.uuid4().hex[:6]}"
    folder = tmp_path / "in"
    folder.mkdir()
    files = {
        "story.txt": b"HEADLINE\n\nBERLIN (Wire) - Text of the story.\n",
        "page.html": (FIXTURES / "rss.xml").read_bytes().replace(b"rss", b"html"),
        "broken.json": b'{"uri": "urn:broken", "headline": ',  # bad content is the worker's business
        "item.xml": b'<?xml version="1.0"?><newsItem xmlns="http://iptc.org/std/nar/2006-10-01/"/>',
        "scan.pdf": b"%PDF-1.7",
        "huge.txt": b"x" * 6000,
        ".hidden.txt": b"not yet",
        "upload.txt.part": b"half a story",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    growing = folder / "growing.txt"
    growing.write_bytes(b"first part\n")

    def keep_writing() -> None:
        for n in range(8):
            time.sleep(0.25)
            with growing.open("ab") as handle:
                handle.write(f"part {n}\n".encode())

    writer = threading.Thread(target=keep_writing)
    writer.start()
    process = start(
        ["watch", str(folder), "--source", source, "--poll-seconds", "0.4"],
        {**connector_env, "WIRESTREAM_MAX_STORY_BYTES": "5000"},
    )
    try:
        writer.join()
        published = ["story.txt", "page.html", "broken.json", "item.xml", "growing.txt"]
        wait_for(lambda: all((folder / "done" / n).exists() for n in published), timeout=30, what="files in done/")
        wait_for(lambda: (folder / "failed" / "huge.txt").exists(), timeout=10, what="files in failed/")
    finally:
        result = stop(process)
    assert result.returncode == 0, result.stderr[-2000:]

    records = {record.key: record for record in read_topic(settings, prefix=source)}
    assert len(records) == len(published)
    types = {"txt": b"text/plain", "html": b"text/html", "json": b"application/json"}
    for name in published:
        record = records[item_key(source, name).encode()]
        assert record.value == (folder / "done" / name).read_bytes()
        assert dict(record.headers)["content-type"] == types.get(
            name.rsplit(".", 1)[1], b"application/vnd.iptc.g2.newsitem+xml"
        )
    assert records[item_key(source, "growing.txt").encode()].value.endswith(b"part 7\n")  # never a partial file
    assert "unknown extension '.pdf'" in (folder / "failed" / "scan.pdf.reason.txt").read_text()
    assert "size cap of 5000" in (folder / "failed" / "huge.txt.reason.txt").read_text()
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [".hidden.txt", "upload.txt.part"]


def test_drop_folder_killed_inside_a_batch_resumes_with_nothing_lost_or_twice(
    connector_env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    source, count = f"drop-{uuid.uuid4().hex[:6]}", 600
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(count):
        (folder / f"story-{n:04d}.txt").write_text(f"Story {n}\n\n" + f"Paragraph {n} of a wire story. " * 600)
    args = ["watch", str(folder), "--source", source, "--batch", "100", "--poll-seconds", "0.2"]

    kill_inside_transaction(start(args, connector_env), settings)
    assert len(list((folder / "done").iterdir())) < count

    process = start(args, connector_env)
    try:
        wait_for(lambda: len(list((folder / "done").iterdir())) == count, timeout=60, what="every file in done/")
    finally:
        result = stop(process)
    assert result.returncode == 0, result.stderr[-2000:]
    arrived = keys_of(read_topic(settings, prefix=source))
    assert set(arrived) == {item_key(source, f"story-{n:04d}.txt").encode() for n in range(count)}
    assert max(arrived.values()) == 1


class Crash(Exception):
    """Stands for the process dying between the commit and the move to done/."""


def test_a_file_committed_but_not_yet_moved_is_moved_on_restart_not_resent(
    connector_settings: Settings, tmp_path: Path
) -> None:
    source, instance = f"drop-{uuid.uuid4().hex[:6]}", f"watch-crash-{uuid.uuid4().hex[:6]}"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "story.txt").write_bytes(b"Headline\n\nThe story.\n")
    stopping = threading.Event()

    def crash(name: str, sub: str) -> None:
        raise Crash

    publisher = KafkaPublisher(connector_settings, "watch", instance=instance)
    crashing = DropFolder(folder, publisher, source=source, max_bytes=10_000)
    crashing.start()
    crashing._move = crash  # type: ignore[method-assign]
    crashing.poll(stopping)
    with pytest.raises(Crash):
        crashing.poll(stopping)
    publisher.close()
    assert (folder / "story.txt").exists()
    assert len(read_topic(connector_settings, prefix=source)) == 1

    publisher = KafkaPublisher(connector_settings, "watch", instance=instance)
    restarted = DropFolder(folder, publisher, source=source, max_bytes=10_000)
    restarted.start()
    assert set(restarted.committed) == {"story.txt"}
    restarted.poll(stopping)
    restarted.poll(stopping)
    assert (folder / "done" / "story.txt").exists()
    assert publisher.committed() == {}  # the record of a moved file is deleted
    publisher.close()
    assert len(read_topic(connector_settings, prefix=source)) == 1


def test_a_transactional_batch_is_in_kafka_with_its_position_or_not_at_all(
    connector_settings: Settings,
) -> None:
    source, instance = f"pub-{uuid.uuid4().hex[:6]}", f"pub-{uuid.uuid4().hex[:6]}"
    item = RawItem(
        key=item_key(source, "a"), value=b"{}", source=source, content_type="application/json", connector="t"
    )
    publisher = KafkaPublisher(connector_settings, "replay", instance=instance)
    try:
        assert publisher.committed() == {}
        publisher.publish([item], {"file": {"offset": 3}})
        assert publisher.committed() == {"file": {"offset": 3}}
        with pytest.raises(ValueError):
            publisher.publish([item])  # a transactional batch without its position could be sent twice
    finally:
        publisher.close()
    fresh = KafkaPublisher(connector_settings, "replay", instance=instance)
    try:
        assert fresh.committed() == {"file": {"offset": 3}}
    finally:
        fresh.close()
    assert len(read_topic(connector_settings, prefix=source)) == 1


# ---- feeds -----------------------------------------------------------------------------------------------


class FeedServer:
    """A local feed host with ETag and Last-Modified support that logs every request it answers."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[bytes, str, str]] = {}
        self.log: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body, etag, modified = server.documents[self.path]
                if_none_match, if_modified_since = (
                    self.headers.get("If-None-Match"),
                    self.headers.get("If-Modified-Since"),
                )
                status = 304 if if_none_match == etag or (not if_none_match and if_modified_since == modified) else 200
                server.log.append({"path": self.path, "if_none_match": if_none_match, "status": status})
                self.send_response(status)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", "0" if status == 304 else str(len(body)))
                self.end_headers()
                if status == 200:
                    self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def publish(self, path: str, body: bytes, version: str) -> None:
        self.documents[path] = (body, f'"{version}"', formatdate(time.time(), usegmt=True))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def feeds_config(tmp_path: Path, server: FeedServer, source: str, interval: float) -> Path:
    path = tmp_path / "feeds.toml"
    feed = f'name = "world"\nurl = "{server.url}/world.xml"\ninterval_seconds = {interval}\nsource = "{source}"\n'
    path.write_text("[[feed]]\n" + feed)
    return path


def rss_with(entries: int) -> bytes:
    items = "".join(
        f"<item><title>Story {n}</title><link>http://127.0.0.1/s/{n}</link><guid>urn:feed:{n}</guid>"
        f"<pubDate>Tue, 03 Nov 2026 07:00:00 GMT</pubDate><description>Paragraph {n} of the story.</description></item>"
        for n in range(entries)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


def test_feeds_send_each_entry_once_with_conditional_requests_across_a_restart(
    connector_env: dict[str, str], settings: Settings, tmp_path: Path, feed_server: FeedServer
) -> None:
    source = f"feed-{uuid.uuid4().hex[:6]}"
    rss = (FIXTURES / "rss.xml").read_bytes()
    feed_server.publish("/world.xml", rss, "v1")
    args = ["feeds", "--config", str(feeds_config(tmp_path, feed_server, source, 0.3)), "--instance", source]
    process = start(args, connector_env)
    try:
        wait_for(lambda: len(read_topic(settings, prefix=source)) == 3, timeout=30, what="the three entries")
        wait_for(
            lambda: sum(r["status"] == 304 and r["if_none_match"] == '"v1"' for r in feed_server.log) >= 2,
            timeout=15,
            what="conditional requests answered 304",
        )
        extra = b"<item><title>Breaking: late story</title><guid>urn:late</guid><description>Late.</description></item>"
        feed_server.publish("/world.xml", rss.replace(b"<item>", extra + b"<item>", 1), "v2")
        wait_for(lambda: len(read_topic(settings, prefix=source)) == 4, timeout=15, what="the new entry")
    finally:
        result = stop(process)
    assert result.returncode == 0, result.stderr[-2000:]

    requests_before_restart = len(feed_server.log)
    process = start(args, connector_env)
    try:
        wait_for(lambda: len(feed_server.log) > requests_before_restart + 1, timeout=30, what="requests after restart")
    finally:
        result = stop(process)
    assert result.returncode == 0, result.stderr[-2000:]
    assert feed_server.log[requests_before_restart] == {"path": "/world.xml", "if_none_match": '"v2"', "status": 304}

    records = read_topic(settings, prefix=source)
    assert max(keys_of(records).values()) == 1
    assert len(records) == 4
    strike = next(r for r in records if r.key == item_key(source, "sample-wire:2026:rotterdam-strike").encode())
    assert dict(strike.headers)["content-type"] == b"application/json"
    doc = json.loads(strike.value)
    assert (doc["headline"], doc["versioncreated"]) == (
        "Port strike halts container traffic in Rotterdam",
        "2026-11-03T07:15:00Z",
    )


def test_feeds_killed_inside_a_batch_resume_with_nothing_lost_or_twice(
    connector_env: dict[str, str], settings: Settings, tmp_path: Path, feed_server: FeedServer
) -> None:
    source, count = f"feed-{uuid.uuid4().hex[:6]}", 5000
    feed_server.publish("/world.xml", rss_with(count), "big")
    args = ["feeds", "--config", str(feeds_config(tmp_path, feed_server, source, 0.5)), "--instance", source]
    kill_inside_transaction(start(args, connector_env), settings)
    assert read_topic(settings, prefix=source) == []  # one feed document is one batch

    process = start(args, connector_env)
    try:
        wait_for(lambda: len(read_topic(settings, prefix=source)) >= count, timeout=60, what="every entry")
        wait_for(lambda: feed_server.log[-1]["status"] == 304, timeout=15, what="a conditional request after the batch")
    finally:
        result = stop(process)
    assert result.returncode == 0, result.stderr[-2000:]
    arrived = keys_of(read_topic(settings, prefix=source))
    assert set(arrived) == {item_key(source, f"urn:feed:{n}").encode() for n in range(count)}
    assert max(arrived.values()) == 1


# ---- push ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def push(connector_env: dict[str, str], request: pytest.FixtureRequest) -> Iterator[str]:
    """A `wirestream push` process on a free port; indirect parametrisation adds environment variables."""
    port = free_port()
    extra = getattr(request, "param", {})
    environment = {
        **connector_env,
        "WIRESTREAM_PUSH_TOKEN": TOKEN,
        "WIRESTREAM_PUSH_MAX_BYTES": "50000",
        "WIRESTREAM_PUSH_HOST": "127.0.0.1",
        "WIRESTREAM_PUSH_PORT": str(port),
        **extra,
    }
    process = start(["push"], environment)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert process.poll() is None, process.communicate()[1][-2000:]
        try:
            return httpx.get(f"{url}/healthz", timeout=1).json() == {"status": "ok"}
        except httpx.HTTPError:
            return False

    wait_for(healthy, timeout=30, what="the push endpoint")
    yield url
    result = stop(process)
    assert result.returncode == 0, result.stderr[-2000:]


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_push_answers_202_only_once_every_item_is_in_kafka(push: str, settings: Settings) -> None:
    source = f"push-{uuid.uuid4().hex[:6]}"
    batch = [{"uri": f"urn:push:{n}", "headline": f"Pushed {n}", "body_text": "Text."} for n in range(3)]
    response = httpx.post(f"{push}/stories", params={"source": source}, json=batch, headers=auth(), timeout=30)
    assert response.status_code == 202
    keys = [item_key(source, f"urn:push:{n}") for n in range(3)]
    request_id = response.headers["X-Request-Id"]
    assert response.json() == {"accepted": 3, "keys": keys, "request_id": request_id}
    in_kafka = read_topic(settings, prefix=source)  # read once, right after the 202: no waiting
    assert sorted(record.key.decode() for record in in_kafka) == sorted(keys)
    origins = {record.key.decode(): dict(record.headers)["origin"].decode() for record in in_kafka}
    assert origins == {key: f"request:{request_id} item:{n}" for n, key in enumerate(keys)}

    ndjson = b'{"uri": "urn:push:nd1"}\n{"uri": "urn:push:nd2"}\n'
    response = httpx.post(
        f"{push}/stories",
        params={"source": source},
        content=ndjson,
        headers={**auth(), "Content-Type": "application/x-ndjson"},
        timeout=30,
    )
    assert (response.status_code, response.json()["accepted"]) == (202, 2)
    page = "<html><head><title>Été</title></head><body><p>Story.</p></body></html>".encode("latin-1")
    response = httpx.post(
        f"{push}/stories",
        params={"source": source},
        content=page,
        headers={**auth(), "Content-Type": "text/html; charset=iso-8859-1"},
        timeout=30,
    )
    assert response.status_code == 202
    [key] = response.json()["keys"]
    [record] = [r for r in read_topic(settings, prefix=source) if r.key.decode() == key]
    assert record.value == page
    assert dict(record.headers)["content-type"] == b"text/html; charset=iso-8859-1"


def test_push_refuses_without_the_token_and_never_echoes_the_input(push: str, settings: Settings) -> None:
    source = f"push-{uuid.uuid4().hex[:6]}"
    marker = "ECHO-" + uuid.uuid4().hex
    story = {"uri": marker, "headline": marker}
    for headers in ({}, auth("wrong-token"), {"Authorization": f"Basic {TOKEN}"}):
        response = httpx.post(f"{push}/stories", params={"source": source}, json=story, headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
    refusals = [
        (400, {"content": f'{{"uri": "{marker}", '.encode(), "headers": {"Content-Type": "application/json"}}),
        (415, {"content": marker.encode(), "headers": {"Content-Type": "image/png"}}),
        (
            413,
            {
                "content": json.dumps({"uri": marker, "body_text": "x" * 60_000}).encode(),
                "headers": {"Content-Type": "application/json"},
            },
        ),
    ]
    for status, request in refusals:
        response = httpx.post(
            f"{push}/stories",
            params={"source": source},
            content=request["content"],
            headers={**auth(), **request["headers"]},
            timeout=10,
        )
        assert response.status_code == status
        assert response.headers["content-type"].startswith("application/json")
        assert marker not in response.text
    assert read_topic(settings, prefix=source) == []


@pytest.mark.parametrize(
    "push", [{"WIRESTREAM_PUSH_BURST": "3", "WIRESTREAM_PUSH_RATE_PER_SECOND": "0.2"}], indirect=True
)
def test_push_limits_the_request_rate_per_client(push: str) -> None:
    statuses = [
        httpx.post(f"{push}/stories", json={"uri": f"urn:rate:{n}"}, headers=auth(), timeout=30).status_code
        for n in range(5)
    ]
    assert statuses == [202, 202, 202, 429, 429]
    response = httpx.post(f"{push}/stories", json={"uri": "urn:rate:x"}, headers=auth(), timeout=30)
    assert response.json()["error"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1


def test_push_will_not_start_without_a_token(connector_env: dict[str, str]) -> None:
    environment = {k: v for k, v in connector_env.items() if k != "WIRESTREAM_PUSH_TOKEN"}
    result = subprocess.run(
        wirestream("push", "--metrics-port", "0"), env=environment, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "WIRESTREAM_PUSH_TOKEN" in result.stdout


# ---- Kafka outage ------------------------------------------------------------------------------------------


class Forwarder:
    """A TCP port that stands for Kafka's bootstrap address: closed (Kafka away) until `open()`, then piping
    to the real broker (whose metadata then sends the client straight to it)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.port, self.target = free_port(), target
        self.server: socket.socket | None = None

    def open(self) -> None:
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        assert self.server is not None
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            sink.close()

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


def test_a_connector_waits_out_a_kafka_outage_then_sends_without_moving_early(
    connector_env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    source = f"drop-{uuid.uuid4().hex[:6]}"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "story.txt").write_text("Headline\n\nStory.\n")
    host, port = settings.kafka_bootstrap.split(",")[0].rsplit(":", 1)
    kafka = Forwarder((host, int(port)))
    process = start(
        ["watch", str(folder), "--source", source, "--poll-seconds", "0.2"],
        {**connector_env, "WIRESTREAM_KAFKA_BOOTSTRAP": f"127.0.0.1:{kafka.port}"},
    )
    try:
        time.sleep(5)  # Kafka is away: the connector retries instead of exiting, and moves nothing
        assert process.poll() is None
        assert (folder / "story.txt").exists()
        kafka.open()
        wait_for(lambda: (folder / "done" / "story.txt").exists(), timeout=60, what="the file sent once Kafka is back")
    finally:
        result = stop(process)
        kafka.close()
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(read_topic(settings, prefix=source)) == 1


def test_a_connector_stops_cleanly_during_an_outage(connector_env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "story.txt").write_text("Headline\n\nStory.\n")
    process = start(["watch", str(folder)], {**connector_env, "WIRESTREAM_KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}"})
    time.sleep(3)
    started = time.monotonic()
    result = stop(process)
    assert result.returncode == 0, result.stderr[-2000:]
    assert time.monotonic() - started < 12
    assert (folder / "story.txt").exists()
    assert list((folder / "done").iterdir()) == []
