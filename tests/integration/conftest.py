"""Fixtures for tests against the real services started by deploy/local/services.

Nothing here is mocked: a missing service fails the test run with the service's name, it is never
skipped. Each test session uses its own topics, consumer group and index alias, so runs never see
each other's data.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.raw import RawItem, item_key
from pipeline.settings import Settings
from tests.conftest import ROOT
from tests.metrics_page import scrape
from tools.synthetic import ninjs_story

PROMETHEUS_URL = f"http://127.0.0.1:{os.environ.get('PROMETHEUS_PORT', '19090')}"
# Scraped by the local Prometheus, beside the demo worker's 6066; overridable so that two test runs on one
# machine do not collide (the Prometheus scrape checks then see nothing and fail).
TEST_WORKER_PORT = int(os.environ.get("WIRESTREAM_TEST_WORKER_PORT", "6067"))
TEST_CONNECTOR_PORT = int(os.environ.get("WIRESTREAM_TEST_CONNECTOR_PORT", "19111"))
DISTINCT_PUBLISHED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # the story time of every `distinct_stories` story


def _require(name: str, check: Callable[[], object]) -> None:
    try:
        check()
    except Exception as exc:
        pytest.fail(f"{name} is not reachable ({exc!r}); start it with `deploy/local/services up`", pytrace=False)


@pytest.fixture(scope="session")
def run_id() -> str:
    return f"it{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session", autouse=True)
def session_leftovers(run_id: str) -> Iterator[None]:
    """At the end of the session, delete what its tests made on the shared servers under the session's prefix: every
    topic and consumer group named after `run_id` (the session's own, the fixtures' and the tests') and every
    index starting with it. Tests that clean up after themselves leave this nothing to do."""
    yield
    bootstrap = os.environ.get("WIRESTREAM_KAFKA_BOOTSTRAP", Settings.model_fields["kafka_bootstrap"].default)
    with contextlib.suppress(Exception):  # a server already gone at the end of the run: nothing to clean there
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            groups = [group["group_id"] for group in admin.list_groups() if run_id in group["group_id"]]
            if groups:
                admin.delete_groups(groups)
            topics = sorted(topic for topic in admin.list_topics() if run_id in topic)
            if topics:
                admin.delete_topics(topics, timeout_ms=30_000)
        finally:
            admin.close()
    with contextlib.suppress(Exception):
        es_url = os.environ.get("WIRESTREAM_ES_URL", Settings.model_fields["es_url"].default)
        client = Elasticsearch(es_url)
        indices = client.indices.get(index=f"{run_id}*", ignore=[404])
        if indices and "error" not in indices:
            client.indices.delete(index=",".join(indices))
        client.indices.delete_index_template(name=f"{run_id}*", ignore=[404])
        client.close()


@pytest.fixture(scope="session")
def env(run_id: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for every process a test starts: unique topics, group and index per session, and the workers'
    files (Faust's table state, the dedup state on disk) in pytest's temporary directory, not in .state/."""
    return {
        **os.environ,
        "WIRESTREAM_WORKER_DATA_DIR": str(tmp_path_factory.mktemp("faust")),
        "WIRESTREAM_APP_ID": f"wirestream-{run_id}",
        "WIRESTREAM_RAW_TOPIC": f"{run_id}.stories.raw",
        "WIRESTREAM_PARSED_TOPIC": f"{run_id}.stories.parsed",
        "WIRESTREAM_ENRICHED_TOPIC": f"{run_id}.stories.enriched",
        "WIRESTREAM_DLQ_TOPIC": f"{run_id}.stories.dlq",
        "WIRESTREAM_POSITIONS_TOPIC": f"{run_id}.connectors.positions",
        "WIRESTREAM_SPIKES_TOPIC": f"{run_id}.alerts.spikes",
        "WIRESTREAM_ALERTS_INDEX": f"{run_id}-alerts",
        "WIRESTREAM_INDEX_ALIAS": f"{run_id}-stories",
        "WIRESTREAM_WORKER_WEB_PORT": str(TEST_WORKER_PORT),
        "WIRESTREAM_CONNECTOR_METRICS_PORT": str(TEST_CONNECTOR_PORT),
        "WIRESTREAM_INDEX_BATCH_SECONDS": "0.2",
    }


@pytest.fixture(scope="session")
def settings(env: dict[str, str], monkeypatch_session: pytest.MonkeyPatch) -> Settings:
    for name, value in env.items():
        if name.startswith("WIRESTREAM_"):
            monkeypatch_session.setenv(name, value)
    return Settings()


@pytest.fixture(scope="session")
def monkeypatch_session() -> Iterator[pytest.MonkeyPatch]:
    patch = pytest.MonkeyPatch()
    yield patch
    patch.undo()


@pytest.fixture(scope="session")
def es(settings: Settings) -> Iterator[Elasticsearch]:
    client = Elasticsearch(settings.es_url)
    _require("Elasticsearch", client.info)
    yield client
    indices = client.indices.get(index=f"{settings.index_alias}-*", ignore=[404])
    if indices and "error" not in indices:
        client.indices.delete(index=",".join(indices))
    client.indices.delete_index_template(name=settings.index_alias, ignore=[404])
    client.close()


@pytest.fixture(scope="session")
def kafka_ready() -> None:
    """Fails the run when the broker is down. Depends on no other fixture, so that a module may override
    `settings` or `env` (with its own topics) without a session fixture depending on the override."""
    from kafka import KafkaAdminClient

    bootstrap = os.environ.get("WIRESTREAM_KAFKA_BOOTSTRAP", Settings.model_fields["kafka_bootstrap"].default)
    _require("Kafka", lambda: KafkaAdminClient(bootstrap_servers=bootstrap).close())


def wirestream(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", *args]


@pytest.fixture(scope="session")
def worker(env: dict[str, str], es: Elasticsearch, kafka_ready: None, tmp_path_factory: pytest.TempPathFactory):
    """A real Faust worker process for the session, stopped with SIGTERM at the end."""
    subprocess.run(wirestream("topics"), env=env, cwd=ROOT, check=True, capture_output=True)
    process = start_worker(env, tmp_path_factory.mktemp("worker") / "worker.log")
    try:
        yield process
    finally:
        stop(process)


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start `wirestream worker` with `env`, its output appended to `log`; return once it holds partitions."""
    with log.open("ab") as out:
        process = subprocess.Popen(wirestream("worker"), env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:

        def assigned() -> bool:
            if process.poll() is not None:
                pytest.fail(f"the worker exited with {process.returncode}\n{log.read_text()[-3000:]}", pytrace=False)
            return _worker_assigned(env)

        wait_for(assigned, timeout=90, what="the worker to join its group", log=log)
    except BaseException:
        process.kill()
        raise
    return process


@contextlib.contextmanager
def running_worker(own: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """The topics of `own`, then a worker of its app (output in `log`), stopped on the way out: before `own_app`
    deletes the app's group and topics."""
    subprocess.run(wirestream("topics"), env=own, cwd=ROOT, check=True, capture_output=True, timeout=60)
    process = start_worker(own, log)
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _worker_assigned(env: dict[str, str]) -> bool:
    metrics = scrape(f"http://127.0.0.1:{env['WIRESTREAM_WORKER_WEB_PORT']}/metrics")
    return 'wirestream_faust_assignment_operations_total{operation="completed"}' in metrics


def prometheus_query(expr: str) -> list[dict[str, Any]]:
    url = f"{PROMETHEUS_URL}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)["data"]["result"]


def wait_for(check: Callable[[], object], *, timeout: float, what: str, log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    tail = log.read_text()[-3000:] if log and log.exists() else ""
    pytest.fail(f"timed out after {timeout}s waiting for {what}\n{tail}", pytrace=False)


def consume_all(settings: Settings, topic: str, *, expect: int, timeout: float = 30) -> list[Any]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=1000,
    )
    records: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < expect and time.monotonic() < deadline:
            records.extend(consumer)
    finally:
        consumer.close()
    return records


def replay_item(story: bytes, source: str) -> RawItem:
    """A ninjs story as the replay connector publishes it: keyed by `source` and the story's uri."""
    return RawItem(item_key(source, json.loads(story)["uri"]), story, source, "application/json", "replay")


def transactional_producer(settings: Settings, name: str) -> KafkaProducer:
    """A producer that writes in Kafka transactions, as connectors/publisher.py does (init_transactions called)."""
    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        transactional_id=f"{settings.app_id}-{name}",
        acks="all",
        enable_idempotence=True,
    )
    producer.init_transactions()
    return producer


def distinct_stories(count: int, *, seed: int, prefix: str) -> list[bytes]:
    """`count` ninjs stories (JSON lines, no newline) that dedup keeps apart: the synthetic stories of case `prefix`
    (`tools.synthetic`), all published at one fixed time, long past (late for spike alerting)."""
    return [
        json.dumps(ninjs_story(prefix, number, published=DISTINCT_PUBLISHED, seed=seed)).encode()
        for number in range(count)
    ]


@pytest.fixture
def own_app(env: dict[str, str], run_id: str, es: Elasticsearch, kafka_ready: None) -> Iterator[Callable[..., dict]]:
    """Environments for workers of a test's own: `own_app("tx", WIRESTREAM_X="1")` gives the session's environment
    with an app (consumer group), topics, index and web port of that name. Every topic, the group, the indices and
    templates of those apps are deleted when the test ends (stop the workers first)."""
    made: list[tuple[str, dict[str, str]]] = []

    def make(name: str, **extra: str) -> dict[str, str]:
        prefix = f"{run_id}{name}"
        own = {
            **env,
            "WIRESTREAM_APP_ID": f"wirestream-{prefix}",
            "WIRESTREAM_RAW_TOPIC": f"{prefix}.stories.raw",
            "WIRESTREAM_PARSED_TOPIC": f"{prefix}.stories.parsed",
            "WIRESTREAM_ENRICHED_TOPIC": f"{prefix}.stories.enriched",
            "WIRESTREAM_DLQ_TOPIC": f"{prefix}.stories.dlq",
            "WIRESTREAM_SPIKES_TOPIC": f"{prefix}.alerts.spikes",
            "WIRESTREAM_ALERTS_INDEX": f"{prefix}-alerts",
            "WIRESTREAM_INDEX_ALIAS": f"{prefix}-stories",
            "WIRESTREAM_WORKER_WEB_PORT": str(free_port()),
            **extra,
        }
        made.append((prefix, own))
        return own

    try:
        yield make
    finally:
        for prefix, own in made:
            bootstrap = own.get("WIRESTREAM_KAFKA_BOOTSTRAP", Settings.model_fields["kafka_bootstrap"].default)
            delete_kafka_leftovers(bootstrap, group=own["WIRESTREAM_APP_ID"], prefixes=[f"{prefix}.", f"{prefix}-"])
            indices = es.indices.get(index=f"{prefix}-*", ignore=[404])
            if indices and "error" not in indices:
                es.indices.delete(index=",".join(indices))
            for template in (own["WIRESTREAM_INDEX_ALIAS"], own["WIRESTREAM_ALERTS_INDEX"]):
                es.indices.delete_index_template(name=template, ignore=[404])


def settings_of(own: dict[str, str]) -> Settings:
    """The settings a process started with environment `own` reads."""
    values = {name.removeprefix("WIRESTREAM_").lower(): value for name, value in own.items()}
    return Settings(**{name: value for name, value in values.items() if name in Settings.model_fields})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def delete_kafka_leftovers(bootstrap: str, *, group: str, prefixes: list[str]) -> None:
    """Delete the consumer group (once its last member has left) and every topic of the test, Faust's internal
    ones (`<app id>-...`: changelogs, spike mentions, assignor) included."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        deadline = time.monotonic() + 30
        while admin.delete_groups([group]).get(group) not in ("OK", "GroupIdNotFoundError"):
            if time.monotonic() > deadline:  # still not empty: leave it rather than fail the test on cleanup
                break
            time.sleep(1)
        doomed = sorted(topic for topic in admin.list_topics() if topic.startswith((*prefixes, f"{group}-")))
        if doomed:
            admin.delete_topics(doomed, timeout_ms=30_000)
    finally:
        admin.close()


def records(settings: Settings, topic: str, partitions: list[int] | None, isolation_level: str) -> list[Any]:
    """Every record of the partitions (all of the topic's by default), read to the end offsets."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=None,
        enable_auto_commit=False,
        isolation_level=isolation_level,
    )
    try:
        numbers = partitions if partitions is not None else sorted(consumer.partitions_for_topic(topic) or [])
        assigned = [TopicPartition(topic, number) for number in numbers]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        end = consumer.end_offsets(assigned)
        found: list[Any] = []
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < end[tp] for tp in assigned) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                found.extend(batch)
        return found
    finally:
        consumer.close()


def record_keys(settings: Settings, topic: str) -> list[bytes]:
    return [record.key for record in records(settings, topic, None, "read_uncommitted")]


def drained(settings: Settings, *, partition: int, after: int) -> bool:
    """The worker group has committed stories.raw's `partition` past offset `after` and has nothing left to commit
    on stories.parsed and stories.enriched."""
    from tools.soak import consumer_lag

    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    try:
        committed = admin.list_group_offsets({settings.app_id: None}).get(settings.app_id, {})
        raw = committed.get(TopicPartition(settings.raw_topic, partition))
        if raw is None or raw.offset <= after:
            return False
        return consumer_lag(admin, consumer, settings.app_id, [settings.parsed_topic, settings.enriched_topic]) == 0
    finally:
        with contextlib.suppress(Exception):
            consumer.close()
        admin.close()


def indexed_doc(es: Elasticsearch, alias: str, story_id: str) -> dict[str, Any] | None:
    if not es.indices.exists_alias(name=alias):
        return None
    es.indices.refresh(index=alias)
    hits = es.search(index=alias, body={"query": {"ids": {"values": [story_id]}}})["hits"]["hits"]
    return hits[0]["_source"] if hits else None


def indexed_ids(es: Elasticsearch, alias: str) -> list[str]:
    es.indices.refresh(index=alias)
    hits = es.search(index=alias, body={"query": {"match_all": {}}, "size": 100, "_source": False})["hits"]["hits"]
    return sorted(hit["_id"] for hit in hits)
