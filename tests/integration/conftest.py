"""Fixtures for tests against the real services started by deploy/local/services.

Nothing here is mocked: a missing service fails the test run with the service's name, it is never
skipped. Each test session uses its own topics, consumer group and index alias, so runs never see
each other's data.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaConsumer

from pipeline.settings import Settings
from tests.conftest import ROOT
from tests.metrics_page import scrape

PROMETHEUS_URL = f"http://127.0.0.1:{os.environ.get('PROMETHEUS_PORT', '19090')}"
# Scraped by the local Prometheus, beside the demo worker's 6066; overridable so that two test runs on one
# machine do not collide (the Prometheus scrape checks then see nothing and fail).
TEST_WORKER_PORT = int(os.environ.get("WIRESTREAM_TEST_WORKER_PORT", "6067"))
TEST_CONNECTOR_PORT = int(os.environ.get("WIRESTREAM_TEST_CONNECTOR_PORT", "19111"))


def _require(name: str, check: Callable[[], object]) -> None:
    try:
        check()
    except Exception as exc:
        pytest.fail(f"{name} is not reachable ({exc!r}); start it with `deploy/local/services up`", pytrace=False)


@pytest.fixture(scope="session")
def run_id() -> str:
    return f"it{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def env(run_id: str) -> dict[str, str]:
    """Environment for every process a test starts: unique topics, group and index per session."""
    return {
        **os.environ,
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


def distinct_stories(count: int, *, seed: int, prefix: str) -> list[bytes]:
    """`count` ninjs stories (JSON lines) whose bodies share no three-word run, so dedup keeps every one apart:
    paragraphs of words drawn at random from a 2,000-word vocabulary of made-up words."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ren", "sa", "tu", "vo", "zel", "dra", "pin", "gor", "me", "ni", "ost", "bra"]
    vocabulary = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(2600)})[:2000]
    stories = []
    for number in range(count):
        body = [" ".join(rng.choices(vocabulary, k=rng.randint(40, 70))).capitalize() + "." for _ in range(4)]
        document = {
            "uri": f"urn:{prefix}:{number}",
            "type": "text",
            "language": "en",
            "headline": f"{prefix} story {number}",
            "versioncreated": "2026-11-20T09:00:00Z",
            "body_text": "\n".join(body),
        }
        stories.append(json.dumps(document).encode())
    return stories
