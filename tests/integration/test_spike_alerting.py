"""Spike alerting against real services.

1. A burst fed to the detector reaches a webhook this test stands up, through a real Prometheus (the rules of
   deploy/prometheus/rules) and a real Alertmanager, both started here on free ports with short intervals so the
   shared ones are left alone; the burst's end resolves it.
2. The Faust shell: stories on a real Kafka enriched topic, counted once each, raise one alert on `alerts.spikes`,
   indexed in Elasticsearch and shown on the worker's /metrics.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaProducer
from prometheus_client import start_http_server

from pipeline.settings import Settings
from pipeline.spikes.alert import Kind, spike_key
from pipeline.spikes.config import load_config
from pipeline.spikes.detector import SpikeDetector
from pipeline.spikes.leaderboard import Leaderboard
from pipeline.spikes.metrics import SpikeGauges
from tests.conftest import ROOT
from tests.integration.conftest import consume_all, wait_for, wirestream
from tests.metrics_page import scrape

pytestmark = pytest.mark.integration

RULES = ROOT / "deploy" / "prometheus" / "rules"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Webhook:
    """An Alertmanager webhook receiver: keeps every notification it is sent."""

    def __init__(self) -> None:
        self.notifications: list[dict[str, Any]] = []
        received = self.notifications

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def alerts(self, status: str) -> list[dict[str, Any]]:
        return [alert for note in self.notifications for alert in note["alerts"] if alert["status"] == status]


def _start(command: list[str], log: Path) -> subprocess.Popen:
    binary = shutil.which(command[0])
    if binary is None:
        pytest.fail(f"{command[0]} is not installed; run deploy/local/install", pytrace=False)
    with log.open("wb") as out:
        return subprocess.Popen([binary, *command[1:]], stdout=out, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def alerting_stack(tmp_path: Path) -> Iterator[tuple[Webhook, int]]:
    """Webhook ← Alertmanager ← Prometheus (deploy rules) ← a /metrics port this process serves; yields the
    webhook and that port."""
    webhook = Webhook()
    metrics_port, prometheus_port, alertmanager_port = free_port(), free_port(), free_port()
    metrics_server, _ = start_http_server(metrics_port, addr="127.0.0.1")
    (tmp_path / "alertmanager.yml").write_text(
        json.dumps(
            {
                "route": {
                    "receiver": "webhook",
                    "group_by": ["alertname", "kind", "key"],
                    "group_wait": "1s",
                    "group_interval": "1s",
                    "repeat_interval": "1h",
                },
                "receivers": [{"name": "webhook", "webhook_configs": [{"url": webhook.url, "send_resolved": True}]}],
            }
        )
    )
    (tmp_path / "prometheus.yml").write_text(
        json.dumps(
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(RULES / "*.yml")],
                "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]}]},
                "scrape_configs": [
                    {"job_name": "spikes-test", "static_configs": [{"targets": [f"127.0.0.1:{metrics_port}"]}]}
                ],
            }
        )
    )
    alertmanager = _start(
        [
            "prometheus-alertmanager",
            f"--config.file={tmp_path / 'alertmanager.yml'}",
            f"--storage.path={tmp_path / 'alertmanager-data'}",
            f"--web.listen-address=127.0.0.1:{alertmanager_port}",
            "--cluster.listen-address=",
        ],
        tmp_path / "alertmanager.log",
    )
    prometheus = _start(
        [
            "prometheus",
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'prometheus-data'}",
            f"--web.listen-address=127.0.0.1:{prometheus_port}",
        ],
        tmp_path / "prometheus.log",
    )
    try:
        for port, log in ((alertmanager_port, "alertmanager.log"), (prometheus_port, "prometheus.log")):
            wait_for(lambda port=port: _ready(port), timeout=60, what=f"{log[:-4]} to start", log=tmp_path / log)
        yield webhook, metrics_port
    finally:
        _stop(prometheus)
        _stop(alertmanager)
        metrics_server.shutdown()


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_a_burst_reaches_the_webhook_through_prometheus_and_alertmanager(alerting_stack, tmp_path: Path) -> None:
    webhook, metrics_port = alerting_stack
    config = load_config()
    detector = SpikeDetector(config, {})
    leaderboard = Leaderboard(config.top_keys, config.window_seconds)
    gauges = SpikeGauges()
    now = time.time()
    key = spike_key(Kind.TOPIC, "zorvex")
    for i in range(8):  # eight stories on a subject never seen, in the last minute and a half
        at = now - 90 + i * 10
        hop = sum(1 for j in range(i + 1) if detector.bucket_of(now - 90 + j * 10) == detector.bucket_of(at))
        reading = detector.observe(key, at, hop, i + 1)
        leaderboard.update(Kind.TOPIC, "zorvex", reading)
    assert reading.active
    gauges.publish(leaderboard.top(time.time()))
    assert 'wirestream_spike_active{key="zorvex",kind="topic"} 1.0' in scrape(
        f"http://127.0.0.1:{metrics_port}/metrics"
    )

    def fired() -> list[dict[str, Any]]:
        return [a for a in webhook.alerts("firing") if a["labels"].get("alertname") == "WirestreamSpike"]

    alerts = wait_for(fired, timeout=90, what="the spike alert at the webhook", log=tmp_path / "prometheus.log")
    assert alerts[0]["labels"]["kind"] == "topic"
    assert alerts[0]["labels"]["key"] == "zorvex"
    assert "zorvex" in alerts[0]["annotations"]["summary"]

    gauges.publish([])  # the burst has left the window: the series go, the alert resolves
    wait_for(lambda: webhook.alerts("resolved"), timeout=60, what="the resolved notification at the webhook")
    assert len(fired()) == 1, "one burst, one notification"


# --- the Faust shell on real Kafka and Elasticsearch -------------------------------------------------------


@pytest.fixture
def spike_env(env: dict[str, str], run_id: str, es: Elasticsearch, kafka_ready: None) -> Iterator[dict[str, str]]:
    """The session's environment with this test's own app, topics, index and port (its own consumer group)."""
    spikes = {
        **env,
        "WIRESTREAM_APP_ID": f"wirestream-{run_id}-spikes",
        "WIRESTREAM_RAW_TOPIC": f"{run_id}.spk.stories.raw",
        "WIRESTREAM_PARSED_TOPIC": f"{run_id}.spk.stories.parsed",
        "WIRESTREAM_ENRICHED_TOPIC": f"{run_id}.spk.stories.enriched",
        "WIRESTREAM_DLQ_TOPIC": f"{run_id}.spk.stories.dlq",
        "WIRESTREAM_INDEX_ALIAS": f"{run_id}-spk-stories",
        "WIRESTREAM_SPIKES_TOPIC": f"{run_id}.alerts.spikes",
        "WIRESTREAM_ALERTS_INDEX": f"{run_id}-alerts",
        "WIRESTREAM_WORKER_WEB_PORT": str(free_port()),
    }
    yield spikes
    for pattern in (f"{run_id}-alerts", f"{run_id}-spk-stories-*"):
        indices = es.indices.get(index=pattern, ignore=[404])
        if indices and "error" not in indices:
            es.indices.delete(index=",".join(indices))
    for template in (f"{run_id}-alerts", f"{run_id}-spk-stories"):
        es.indices.delete_index_template(name=template, ignore=[404])


@pytest.fixture
def spike_worker(spike_env: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen]:
    """A worker running the spike agents (imported explicitly, whether or not pipeline.app imports them)."""
    subprocess.run(wirestream("topics"), env=spike_env, cwd=ROOT, check=True, capture_output=True)
    port = spike_env["WIRESTREAM_WORKER_WEB_PORT"]
    code = (
        "import sys; import pipeline.spikes.agent; from pipeline.app import app; "
        f"sys.argv = ['wirestream', 'worker', '--loglevel', 'info', '--web-port', '{port}']; app.main()"
    )
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-c", code], env=spike_env, cwd=ROOT, stdout=out, stderr=out)
    try:
        metrics = f"http://127.0.0.1:{port}/metrics"
        wait_for(
            lambda: 'wirestream_faust_assignment_operations_total{operation="completed"}' in scrape(metrics),
            timeout=120,
            what="the spike worker to join its group",
            log=log,
        )
        yield process
    finally:
        _stop(process)


def _story(story_id: str, at: float, outcome: str = "new") -> dict[str, Any]:
    when = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "story_id": story_id,
        "headline": f"Unrest in Xanadu, story {story_id}",
        "body": ["Protesters filled the streets of the capital of Xanadu."],
        "published_at": when,
        "ingested_at": when,
        "language": "en",
        "countries": [{"code": "XA", "name": "Xanadu", "score": 0.9, "evidence": {"surfaces": ["Xanadu"]}}],
        "actors": [],
        "dedup": {"outcome": outcome},
    }


def test_stories_on_kafka_raise_one_alert_counted_once_each(
    spike_worker, spike_env: dict[str, str], settings: Settings, es: Elasticsearch
) -> None:
    now = time.time()
    sent = [
        _story("s1", now - 40),
        _story("s1", now - 40),  # the same message again (a redelivery upstream): one story
        _story("copy-of-s1", now - 35, outcome="duplicate"),  # another source's copy: not a new story
        _story("s2", now - 30),
        _story("s3", now - 20),
        _story("s4", now - 10),
        _story("s5", now - 5),
    ]
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    for story in sent:  # one partition, so the worker reads them in this order
        producer.send(
            spike_env["WIRESTREAM_ENRICHED_TOPIC"],
            key=story["story_id"].encode(),
            value=json.dumps(story).encode(),
            partition=0,
        )
    producer.flush()
    producer.close()

    records = consume_all(settings, spike_env["WIRESTREAM_SPIKES_TOPIC"], expect=1, timeout=60)
    country_alerts = [json.loads(r.value) for r in records if json.loads(r.value)["kind"] == "country"]
    assert len(country_alerts) == 1, [json.loads(r.value) for r in records]
    alert = country_alerts[0]
    assert (alert["key"], alert["name"]) == ("XA", "Xanadu")
    # min_count is 4: the alert comes with the fourth distinct new story, s4, not earlier
    assert alert["observed"] == 4
    assert [story["story_id"] for story in alert["stories"]] == ["s1", "s2", "s3", "s4"]
    assert alert["raised_at"] == sent[5]["ingested_at"]

    index = spike_env["WIRESTREAM_ALERTS_INDEX"]

    def indexed() -> dict[str, Any] | None:
        es.indices.refresh(index=index, ignore=[404])
        found = es.search(index=index, body={"query": {"term": {"key": "XA"}}}, ignore=[404])
        hits = found.get("hits", {}).get("hits", [])
        return hits[0]["_source"] if hits else None

    assert wait_for(indexed, timeout=30, what="the alert in the alerts index")["alert_id"] == alert["alert_id"]
    metrics = f"http://127.0.0.1:{spike_env['WIRESTREAM_WORKER_WEB_PORT']}/metrics"
    wait_for(
        lambda: 'wirestream_spike_active{key="XA",kind="country"} 1.0' in scrape(metrics),
        timeout=30,
        what="the spike on the worker's /metrics",
    )
    assert 'wirestream_spike_alerts_total{kind="country"} 1.0' in scrape(metrics)
