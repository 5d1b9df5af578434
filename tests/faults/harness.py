"""The fault suite's shell: its own Kafka and Elasticsearch, the worker and connectors as real processes, and
the checks by id (every story sent indexed exactly once, every bad item dead-lettered exactly once).

Nothing is mocked. The servers are the project's own (`deploy/local/services`) under `.state/faults` and on
ports of their own, so a case can stop and restart them while other test runs use the shared ones.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.raw import RawItem
from pipeline.settings import Settings
from tests.conftest import ROOT
from tests.metrics_page import metric, scrape
from tools.soak import consumer_lag

SERVICES = ROOT / "deploy" / "local" / "services"


class CaseFailed(AssertionError):
    """A fault case broke its promise: something lost, duplicated, not dead-lettered, or too slow."""


def wait_for(check: Callable[[], Any], *, timeout: float, what: str, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise CaseFailed(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


# ---------------------------------------------------------------------------------------------- servers


@dataclass
class FaultServices:
    """Kafka and Elasticsearch of the fault suite, started and stopped through `deploy/local/services`."""

    state: Path
    kafka_port: int
    es_port: int
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> FaultServices:
        """Ports and state directory apart from the shared services (each overridable)."""
        state = Path(os.environ.get("FAULTS_STATE", ROOT / ".state" / "faults"))
        kafka_port = int(os.environ.get("FAULTS_KAFKA_PORT", "19192"))
        es_port = int(os.environ.get("FAULTS_ES_PORT", "9260"))
        env = {
            "WIRESTREAM_STATE": str(state),
            "KAFKA_PORT": str(kafka_port),
            "KAFKA_CONTROLLER_PORT": os.environ.get("FAULTS_KAFKA_CONTROLLER_PORT", str(kafka_port + 2)),
            "KAFKA_HEAP": os.environ.get("FAULTS_KAFKA_HEAP", "512m"),
            "ES_PORT": str(es_port),
            "ES_TRANSPORT_PORT": os.environ.get("FAULTS_ES_TRANSPORT_PORT", str(es_port + 100)),
            "ES_HEAP": os.environ.get("FAULTS_ES_HEAP", "512m"),
            # The smallest bulk queue: a bulk request touching more monthly indices than the node has write
            # threads plus one queue slot gets genuine 429s (es_rejected_execution_exception) for the rest.
            "ES_WRITE_QUEUE": os.environ.get("FAULTS_ES_WRITE_QUEUE", "1"),
            "START_TIMEOUT": "240",
        }
        return cls(state, kafka_port, es_port, env)

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def es_url(self) -> str:
        return f"http://127.0.0.1:{self.es_port}"

    def run(self, command: str, *names: str) -> float:
        """`deploy/local/services COMMAND NAMES...`; returns the seconds it took."""
        started = time.monotonic()
        result = subprocess.run(
            [str(SERVICES), command, *names],
            env={**os.environ, **self.env},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise CaseFailed(f"services {command} {' '.join(names)} failed:\n{result.stderr[-3000:]}")
        return time.monotonic() - started

    def prepare(self) -> None:
        """A clean slate: stopped, data removed; jars shared with the main state by hard links (no Maven)."""
        self.run("down", "kafka", "elasticsearch")
        for name in ("kafka", "elasticsearch"):
            shutil.rmtree(self.state / name / "data", ignore_errors=True)
            shutil.rmtree(self.state / name / "home", ignore_errors=True)
            shared, own = ROOT / ".state" / name / "lib", self.state / name / "lib"
            if shared.is_dir() and shared.resolve() != own.resolve():
                stamp = shared / ".pom.sha256"
                if not (own / ".pom.sha256").exists() or (own / ".pom.sha256").read_text() != stamp.read_text():
                    shutil.rmtree(own, ignore_errors=True)
                    own.parent.mkdir(parents=True, exist_ok=True)
                    subprocess.run(["cp", "-al", str(shared), str(own)], check=True)

    def log(self, name: str) -> Path:
        return self.state / "logs" / f"{name}.log"


# ---------------------------------------------------------------------------------------------- processes


def wirestream(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", *args]


class Process:
    """One pipeline process (worker or connector), restartable; its output appended to one log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path) -> None:
        self.name, self.args, self.env = name, args, env
        self.log = logs / f"{name}.log"
        self.popen: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as out:
            out.write(f"\n===== start {self.starts}: {' '.join(self.args)}\n".encode())
            out.flush()
            self.popen = subprocess.Popen(self.args, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def send(self, signum: int) -> None:
        assert self.popen is not None
        self.popen.send_signal(signum)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60) -> tuple[int | None, float]:
        """Send a signal and wait; (exit code or None if it outlived the timeout and was killed, seconds)."""
        if not self.alive():
            return (self.popen.returncode if self.popen else None), 0.0
        started = time.monotonic()
        self.send(signum)
        try:
            code: int | None = self.popen.wait(timeout=timeout)  # type: ignore[union-attr]
        except subprocess.TimeoutExpired:
            self.send(signal.SIGKILL)
            self.popen.wait(timeout=30)  # type: ignore[union-attr]
            code = None
        return code, time.monotonic() - started

    def rss_mib(self) -> float:
        try:
            pages = int(Path(f"/proc/{self.pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            return 0.0
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


class Worker(Process):
    """`wirestream worker`: ready once its consumer group has given it partitions."""

    def __init__(self, env: dict[str, str], logs: Path, name: str = "worker") -> None:
        super().__init__(name, wirestream("worker"), env, logs)
        self.metrics_url = f"http://127.0.0.1:{env['WIRESTREAM_WORKER_WEB_PORT']}/metrics"

    def ready(self) -> bool:
        if not self.alive():
            raise CaseFailed(f"the worker exited with {self.popen.returncode if self.popen else '?'}:\n{self.tail()}")
        if 'wirestream_faust_assignment_operations_total{operation="completed"}' in scrape(self.metrics_url):
            return True
        # a worker joining a group that is already at work may not count its assignment (Faust's sensor)
        return b"[^---Recovery]: Worker ready" in self.log.read_bytes().rsplit(b"\n===== start ", 1)[-1]

    def start_ready(self, timeout: float = 120) -> float:
        started = time.monotonic()
        self.start()
        wait_for(self.ready, timeout=timeout, what="the worker to join its group")
        return time.monotonic() - started

    def metric(self, name: str) -> float:
        return metric(scrape(self.metrics_url), name)


def replay(env: dict[str, str], logs: Path, file: Path, *, source: str, rate: float | None, batch: int = 50) -> Process:
    args = ["replay", str(file), "--follow", "--source", source, "--instance", f"faults-{source}"]
    args += ["--batch", str(batch), "--metrics-port", "0", *(["--rate", str(rate)] if rate else [])]
    return Process(f"replay-{source}", wirestream(*args), env, logs)


# ---------------------------------------------------------------------------------------------- Kafka


def producer(settings: Settings) -> KafkaProducer:
    return KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", max_request_size=4 * 1024 * 1024)


def send_raw(settings: Settings, items: Iterable[RawItem]) -> int:
    """Publish raw items as a connector would (key, original bytes, headers) and wait for Kafka's acks."""
    kafka = producer(settings)
    try:
        futures = [
            kafka.send(settings.raw_topic, key=item.key.encode(), value=item.value, headers=item.headers())
            for item in items
        ]
        kafka.flush(timeout=60)
        for future in futures:
            future.get(timeout=1)
    finally:
        kafka.close(timeout=10)
    return len(futures)


def read_topic(settings: Settings, topic: str, timeout: float = 30) -> list[Any]:
    """Every committed record of a topic, read to its end offsets."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        if not partitions:
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in partitions) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


class LagSampler:
    """Samples the worker group's lag (records behind the end of the given topics) every second, in a thread."""

    def __init__(self, settings: Settings, topics: list[str]) -> None:
        self.settings, self.topics = settings, topics
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.started = time.monotonic()

    def __enter__(self) -> LagSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        admin: KafkaAdminClient | None = None
        consumer: KafkaConsumer | None = None
        while not self._stop.is_set():
            try:
                if admin is None or consumer is None:
                    admin = KafkaAdminClient(bootstrap_servers=self.settings.kafka_bootstrap, request_timeout_ms=5000)
                    consumer = KafkaConsumer(bootstrap_servers=self.settings.kafka_bootstrap, request_timeout_ms=5000)
                self.samples.append(
                    (time.monotonic() - self.started, consumer_lag(admin, consumer, self.settings.app_id, self.topics))
                )
            except Exception:  # Kafka away (a case stopped it): no sample, new clients next time
                for client in (admin, consumer):
                    if client is not None:
                        with contextlib.suppress(Exception):
                            client.close()
                admin = consumer = None
            self._stop.wait(1.0)
        for client in (admin, consumer):
            if client is not None:
                client.close()

    @property
    def peak(self) -> int:
        return max((lag for _, lag in self.samples), default=0)

    @property
    def last(self) -> int:
        return self.samples[-1][1] if self.samples else -1


# ---------------------------------------------------------------------------------------------- checks


@dataclass
class Outcome:
    """What one case left in Elasticsearch and the dead-letter topic, by story id and item key."""

    case: str
    sent: int
    indexed: int | None  # None: a case about Kafka alone
    dead_lettered: int  # dead-letter records of the case's bad items (each should have one)
    lost: int
    duplicated: int
    seconds: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)  # the lost stories' ids

    def line(self) -> str:
        extra = " ".join(f"{key}={value}" for key, value in self.notes.items())
        return (
            f"FAULT {self.case:<14} sent={self.sent:<5} indexed={'-' if self.indexed is None else self.indexed:<5} "
            f"dead-lettered={self.dead_lettered:<3} lost={self.lost} duplicated={self.duplicated} "
            f"time={self.seconds:.0f}s {extra}"
        ).rstrip()


@dataclass
class Expectation:
    """A case's promise: these story ids indexed once each, these item keys dead-lettered once each (with one of
    these reasons)."""

    case: str
    source: str
    stories: dict[str, str]  # story id -> headline
    bad: dict[bytes, frozenset[str]] = field(default_factory=dict)  # item key -> acceptable dlq-reason values
    sent: int = 0  # items sent, good and bad, duplicates included


def indexed_docs(es: Elasticsearch, alias: str, source: str) -> list[dict[str, Any]]:
    """Every document (id, index, headline) of one publisher in the alias, from every monthly index."""
    es.indices.refresh(index=f"{alias}-*", ignore=[404], allow_no_indices=True)
    if not es.indices.exists_alias(name=alias):
        return []
    # a monthly index the worker has just created may not have its shard started yet, and a search then fails (503)
    es.cluster.health(index=f"{alias}-*", wait_for_status="yellow", timeout="30s")
    docs: list[dict[str, Any]] = []
    body = {"query": {"term": {"source.publisher": source}}, "_source": ["headline"], "size": 5000, "sort": ["_doc"]}
    result = es.search(index=alias, body=body, scroll="1m")
    while hits := result["hits"]["hits"]:
        docs.extend({"id": h["_id"], "index": h["_index"], "headline": h["_source"].get("headline")} for h in hits)
        result = es.scroll(scroll_id=result["_scroll_id"], scroll="1m")
    es.clear_scroll(scroll_id=result["_scroll_id"], ignore=[404])
    return docs


def dead_letters(settings: Settings) -> dict[bytes, list[dict[str, str]]]:
    """Dead-letter records by key: the dlq headers of each time the key was dead-lettered."""
    found: dict[bytes, list[dict[str, str]]] = {}
    for record in read_topic(settings, settings.dlq_topic):
        headers = {name: value.decode("utf-8", "replace") for name, value in record.headers or []}
        found.setdefault(record.key or b"", []).append(headers)
    return found


def tally(es: Elasticsearch, settings: Settings, expected: Expectation) -> Outcome:
    docs = indexed_docs(es, settings.index_alias, expected.source)
    copies = Counter(doc["id"] for doc in docs)
    found = set(copies)
    wanted = set(expected.stories)
    dlq = dead_letters(settings)
    times = {key: len(dlq.get(key, [])) for key in expected.bad}  # dead-letter records per bad item
    wrong = [doc for doc in docs if doc["id"] in wanted and doc["headline"] != expected.stories[doc["id"]]]
    outcome = Outcome(
        case=expected.case,
        sent=expected.sent,
        indexed=len(found & wanted),
        dead_lettered=sum(times.values()),
        lost=len(wanted - found),
        missing=wanted - found,
        # a story in two indices, or a document no story sent accounts for (a story under a second id)
        duplicated=sum(n - 1 for n in copies.values()) + len(found - wanted),
    )
    outcome.notes["_missing_dlq"] = sorted(key.decode(errors="replace") for key, n in times.items() if n == 0)
    outcome.notes["_repeated_dlq"] = sorted(f"{key.decode(errors='replace')} x{n}" for key, n in times.items() if n > 1)
    outcome.notes["_wrong_reason"] = sorted(
        f"{key.decode(errors='replace')}:{[h.get('dlq-reason') for h in dlq[key]]}"
        for key, reasons in expected.bad.items()
        if key in dlq and not any(h.get("dlq-reason") in reasons for h in dlq[key])
    )
    outcome.notes["_wrong_text"] = len(wrong)
    return outcome


def settle(es: Elasticsearch, settings: Settings, expected: Expectation, timeout: float) -> Outcome:
    """Wait until every story is indexed and every bad item dead-lettered (or time runs out), then tally."""

    def complete() -> Outcome | None:
        outcome = tally(es, settings, expected)
        return outcome if outcome.lost == 0 and not outcome.notes["_missing_dlq"] else None

    try:
        return wait_for(complete, timeout=timeout, what=f"{expected.case}: every story indexed", every=1.0)
    except CaseFailed:
        outcome = tally(es, settings, expected)
        outcome.notes["_lost_at"] = last_seen(es, settings, outcome.missing)
        return outcome


def last_seen(es: Elasticsearch, settings: Settings, story_ids: set[str]) -> dict[str, str]:
    """How far each lost story got (a few of them): the topics on the worker's path that hold it, with the dedup
    outcome and position of its newest enriched record (or of one filing it under another story), any dead-letter
    reason (topic keys are story ids), and its document if one is in the alias under another publisher than the
    case's."""
    held: dict[str, dict[str, str]] = {"parsed": {}, "enriched": {}, "dead-lettered": {}, "indexed": {}}
    for record in read_topic(settings, settings.parsed_topic):
        held["parsed"][(record.key or b"").decode(errors="replace")] = ""
    for record in read_topic(settings, settings.enriched_topic):
        dedup = json.loads(record.value).get("dedup") or {}
        where = f"{record.partition}@{record.offset}"
        key = (record.key or b"").decode(errors="replace")
        held["enriched"][key] = f"{dedup.get('outcome', '?')} at {where}"
        if (item := dedup.get("item_id")) and item != key:  # filed under another story
            held["enriched"][item] = f"{dedup.get('outcome', '?')} under {key} at {where}"
    for record in read_topic(settings, settings.dlq_topic):
        reason = dict(record.headers or []).get("dlq-reason", b"?").decode(errors="replace")
        held["dead-lettered"][(record.key or b"").decode(errors="replace")] = reason
    shown = sorted(story_ids)[:5]
    if shown and es.indices.exists_alias(name=settings.index_alias):
        hits = es.search(index=settings.index_alias, body={"query": {"ids": {"values": shown}}})["hits"]["hits"]
        for hit in hits:
            held["indexed"][hit["_id"]] = f"in {hit['_index']} as publisher {hit['_source']['source']['publisher']}"
    seen = {}
    for story_id in shown:
        stages = [
            f"{stage} {detail}".strip() for stage, found in held.items() if (detail := found.get(story_id)) is not None
        ]
        seen[story_id] = ", ".join(stages) or "not parsed"
    return seen


def verify(outcome: Outcome) -> None:
    problems = []
    if outcome.lost:
        problems.append(f"{outcome.lost} stories lost")
    if outcome.duplicated:
        problems.append(f"{outcome.duplicated} duplicated")
    if missing := outcome.notes.get("_missing_dlq"):
        problems.append(f"not dead-lettered: {missing}")
    if repeated := outcome.notes.get("_repeated_dlq"):
        problems.append(f"dead-lettered more than once: {repeated}")
    if wrong := outcome.notes.get("_wrong_reason"):
        problems.append(f"dead-lettered for the wrong reason: {wrong}")
    if outcome.notes.get("_wrong_text"):
        problems.append(f"{outcome.notes['_wrong_text']} documents with another story's text")
    if lost_at := outcome.notes.get("_lost_at"):
        problems.append(f"the lost stories last seen in: {lost_at}")
    for key in ("_missing_dlq", "_repeated_dlq", "_wrong_reason", "_wrong_text", "_lost_at"):
        outcome.notes.pop(key, None)
    if problems:
        raise CaseFailed(f"{outcome.line()}\n" + "\n".join(problems))


def write_jsonl(path: Path, stories: Iterable[dict[str, Any]]) -> None:
    with path.open("ab") as handle:
        for story in stories:
            handle.write(json.dumps(story).encode() + b"\n")
