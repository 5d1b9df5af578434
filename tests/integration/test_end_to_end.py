"""One story end to end on the real servers: replay connector → Kafka → Faust worker → Elasticsearch,
with unreadable input in the dead-letter topic and counters scraped by the real Prometheus."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

from elasticsearch import Elasticsearch

from pipeline.deadletter import HEADER_REASON, HEADER_STAGE
from pipeline.settings import Settings
from tests.conftest import ROOT, SAMPLES
from tests.integration.conftest import (
    TEST_CONNECTOR_PORT,
    TEST_WORKER_PORT,
    consume_all,
    prometheus_query,
    wait_for,
    wirestream,
)

VALID = [json.loads(line) for line in SAMPLES.read_text().splitlines() if line.rstrip().endswith("}")]


def indexed_count(es: Elasticsearch, settings: Settings) -> int:
    """Documents of the sample stories (publisher `replay`): other tests of the session share the index."""
    es.indices.refresh(index=settings.index_alias, ignore=[404])
    if not es.indices.exists_alias(name=settings.index_alias):
        return 0
    return es.count(index=settings.index_alias, body={"query": {"term": {"source.publisher": "replay"}}})["count"]


def test_sample_stories_travel_from_connector_to_search(
    worker: subprocess.Popen, env: dict[str, str], es: Elasticsearch, settings: Settings, tmp_path: Path
) -> None:
    connector = subprocess.Popen(
        [*wirestream("replay", str(SAMPLES), "--follow", "--state", str(tmp_path / "pos.json"))],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_for(lambda: indexed_count(es, settings) == len(VALID), timeout=90, what="all sample stories indexed")

        hits = es.search(index=settings.index_alias, body={"query": {"match": {"body": "ballistic missile"}}})
        assert [h["_source"]["headline"] for h in hits["hits"]["hits"]] == [
            "North Korea fires ballistic missile into sea, Seoul says"
        ]
        doc = hits["hits"]["hits"][0]
        assert doc["_index"] == f"{settings.index_alias}-2026.11"
        assert doc["_id"] == doc["_source"]["story_id"]
        assert doc["_source"]["source"] == {
            "agency": "Sample Wire",
            "publisher": "replay",
            "connector": "replay",
            "url": None,
        }
        # the story is filed under what it is about: North Korea, not every country it mentions in passing
        about = doc["_source"]["about"]["countries"]
        assert "KP" in about and set(about) == {c["code"] for c in doc["_source"]["countries"] if c["score"] >= 0.4}
        filters = [{"term": {"about.countries": "KP"}}, {"ids": {"values": [doc["_id"]]}}]
        by_about = es.search(index=settings.index_alias, body={"query": {"bool": {"filter": filters}}})
        assert by_about["hits"]["total"]["value"] == 1

        dead = consume_all(settings, settings.dlq_topic, expect=1)
        assert len(dead) == 1
        headers = dict(dead[0].headers)
        assert headers[HEADER_STAGE] == b"parse"
        assert headers[HEADER_REASON] == b"malformed_json"
        assert dead[0].value == SAMPLES.read_bytes().splitlines()[-1]

        worker_instance = f'instance="127.0.0.1:{TEST_WORKER_PORT}"'
        connector_instance = f'instance="127.0.0.1:{TEST_CONNECTOR_PORT}"'
        # A scrape can land before the worker has counted every story: wait for the counters to catch up.
        indexed = wait_for(
            lambda: _at_least(prometheus_query(f"wirestream_stories_indexed_total{{{worker_instance}}}"), len(VALID)),
            timeout=60,
            what="Prometheus to scrape the worker's indexed count",
        )
        assert float(indexed[0]["value"][1]) >= len(VALID)  # the session worker also indexes other tests' stories
        sent = wait_for(
            lambda: _at_least(
                prometheus_query(f'wirestream_connector_items_sent_total{{{connector_instance},connector="replay"}}'),
                len(VALID) + 1,
            ),
            timeout=60,
            what="Prometheus to scrape the connector's sent count",
        )
        assert float(sent[0]["value"][1]) == len(VALID) + 1
    finally:
        connector.send_signal(signal.SIGTERM)
        assert connector.wait(timeout=30) == 0


def test_redelivery_overwrites_instead_of_duplicating(
    worker: subprocess.Popen, env: dict[str, str], es: Elasticsearch, settings: Settings, tmp_path: Path
) -> None:
    """A replay from scratch (fresh position) sends every item again; ids keep one document each."""
    wait_for(lambda: indexed_count(es, settings) == len(VALID), timeout=90, what="first delivery indexed")
    before = {h["_id"]: h["_source"]["indexed_at"] for h in _all(es, settings)}
    subprocess.run(
        wirestream("replay", str(SAMPLES), "--state", str(tmp_path / "fresh.json"), "--metrics-port", "0"),
        env=env,
        cwd=ROOT,
        check=True,
    )
    wait_for(
        lambda: all(h["_source"]["indexed_at"] != before[h["_id"]] for h in _all(es, settings)),
        timeout=90,
        what="the redelivered stories to be re-indexed",
    )
    assert indexed_count(es, settings) == len(VALID)
    assert {h["_id"] for h in _all(es, settings)} == set(before)


def _at_least(result: list[dict], value: float) -> list[dict] | None:
    """The query result once its first sample has reached `value`, else None (keep waiting)."""
    return result if result and float(result[0]["value"][1]) >= value else None


def _all(es: Elasticsearch, settings: Settings) -> list[dict]:
    es.indices.refresh(index=settings.index_alias)
    return es.search(index=settings.index_alias, body={"size": 100, "query": {"term": {"source.publisher": "replay"}}})[
        "hits"
    ]["hits"]
