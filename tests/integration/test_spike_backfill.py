"""Backfills never page the desk, on the real services: stories stamped hours earlier, sent through a real worker
all at once (as a replay or a catch-up after an outage sends them), are parsed, indexed and counted as late, and
raise no spike alert: no record on `alerts.spikes`, no document in the alerts index. A live burst on the same
subject right after still raises its one alert, as it would have without the backfill. The worker runs with its
own app, topics and indices, all deleted at the end."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaProducer

from pipeline.raw import RawItem, item_key
from pipeline.settings import Settings
from pipeline.spikes.config import load_config
from tests.integration.conftest import (
    distinct_stories,
    records,
    running_worker,
    settings_of,
    wait_for,
)
from tests.metrics_page import metric, scrape

pytestmark = pytest.mark.integration

SOURCE = "backfillwire"
SUBJECT = "quorvane"  # a made-up word: every story's headline has it, so it is a topic key of every story
BACKFILL = 300


@pytest.fixture
def backfill_env(own_app: Callable[..., dict[str, str]]) -> dict[str, str]:
    return own_app("bf")


@pytest.fixture
def backfill_worker(backfill_env: dict[str, str], tmp_path: Path) -> Iterator[Path]:
    """A worker of this test's own app; yields its log. Stopped before `own_app` deletes its group and topics."""
    log = tmp_path / "worker.log"
    with running_worker(backfill_env, log):
        yield log


def _items(count: int, *, seed: int, first: int, published: Callable[[int], float]) -> list[RawItem]:
    """Distinct ninjs stories numbered from `first`, all headlined on SUBJECT, story n published at published(n)."""
    items = []
    for n, text in enumerate(distinct_stories(count, seed=seed, prefix=SOURCE), start=first):
        when = datetime.fromtimestamp(published(n), UTC).isoformat(timespec="seconds")
        story = json.loads(text) | {
            "uri": f"urn:{SOURCE}:{n}",
            "headline": f"{SUBJECT.capitalize()} story {n}",
            "versioncreated": when,
        }
        items.append(
            RawItem(item_key(SOURCE, story["uri"]), json.dumps(story).encode(), SOURCE, "application/json", "replay")
        )
    return items


def _send(settings: Settings, items: list[RawItem]) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    try:
        for item in items:
            producer.send(settings.raw_topic, key=item.key.encode(), value=item.value, headers=item.headers())
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=10)


def _alert_records(settings: Settings) -> list[dict[str, Any]]:
    return [json.loads(record.value) for record in records(settings, settings.spikes_topic, None, "read_uncommitted")]


def _alert_documents(es: Elasticsearch, index: str) -> list[dict[str, Any]]:
    if not es.indices.exists(index=index):
        return []
    es.indices.refresh(index=index)
    return [hit["_source"] for hit in es.search(index=index, body={"size": 100})["hits"]["hits"]]


def test_a_backfill_stamped_hours_earlier_raises_no_alert_and_a_live_burst_after_it_does(
    backfill_worker: Path, backfill_env: dict[str, str], es: Elasticsearch
) -> None:
    settings = settings_of(backfill_env)
    config = load_config()
    page = f"http://127.0.0.1:{settings.worker_web_port}/metrics"
    start = time.time() - 3 * 3600
    # one story every 6 s three hours ago: a burst on SUBJECT in its own time, sent all at once now
    _send(settings, _items(BACKFILL, seed=41, first=0, published=lambda n: start + 6 * n))

    def through() -> bool:
        text = scrape(page)
        counted = ("wirestream_spike_late_stories_total", "wirestream_stories_indexed_total")
        return all(metric(text, name) >= BACKFILL for name in counted)

    wait_for(through, timeout=180, what="the backfill indexed and counted as late", log=backfill_worker)
    assert metric(scrape(page), "wirestream_spike_late_stories_total") == BACKFILL  # each story once
    time.sleep(3)  # were any of them counted in a window, its alert would be on its way by now
    assert _alert_records(settings) == []
    assert _alert_documents(es, settings.alerts_index) == []
    assert metric(scrape(page), "wirestream_spike_alerts_total") == 0

    # a live burst on the same subject: the backfill left its key alone (no alert state, no cool-down)
    now = float(int(time.time()))
    _send(settings, _items(6, seed=43, first=1000, published=lambda n: now))
    alert = wait_for(
        lambda: next((a for a in _alert_records(settings) if a["key"] == SUBJECT), None),
        timeout=120,
        what="the live burst's alert on alerts.spikes",
        log=backfill_worker,
    )
    assert alert["kind"] == "topic"
    assert alert["observed"] == config.min_count  # raised by the fourth live story, the backfill not counted
    assert alert["raised_at"] == datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")  # story time
    documents = wait_for(
        lambda: _alert_documents(es, settings.alerts_index), timeout=30, what="the live alert in the alerts index"
    )
    assert [document["alert_id"] for document in documents] == [alert["alert_id"]]
    assert [record["alert_id"] for record in _alert_records(settings)] == [alert["alert_id"]]
    assert metric(scrape(page), "wirestream_spike_late_stories_total") == BACKFILL
