"""Committed reads only, on the real servers: a story written to stories.raw in a Kafka transaction that was
aborted never reaches the worker (not parsed, not indexed, not dead-lettered); the story committed after it is
indexed. The worker runs with its own app, topics and index, all deleted at the end."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.producer.future import RecordMetadata

from pipeline.parse import parse
from pipeline.raw import RawItem, item_key
from pipeline.settings import Settings
from pipeline.soak import consumer_lag
from tests.conftest import ROOT
from tests.integration.conftest import distinct_stories, start_worker, stop, wait_for, wirestream

SOURCE = "txwire"
PARTITION = 0  # both stories on one partition of stories.raw: the committed one sits behind the aborted one


@pytest.fixture
def tx_env(env: dict[str, str], run_id: str, es: Elasticsearch, kafka_ready: None) -> Iterator[dict[str, str]]:
    """The session's environment with this test's own app (consumer group), topics, index and port; every topic,
    the group, the indices and templates of that app are deleted afterwards."""
    prefix = f"{run_id}tx"
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
        "WIRESTREAM_WORKER_WEB_PORT": str(_free_port()),
    }
    try:
        yield own
    finally:
        bootstrap = own.get("WIRESTREAM_KAFKA_BOOTSTRAP", Settings.model_fields["kafka_bootstrap"].default)
        _delete_kafka_leftovers(bootstrap, group=own["WIRESTREAM_APP_ID"], prefixes=[f"{prefix}.", f"{prefix}-"])
        indices = es.indices.get(index=f"{prefix}-*", ignore=[404])
        if indices and "error" not in indices:
            es.indices.delete(index=",".join(indices))
        for template in (own["WIRESTREAM_INDEX_ALIAS"], own["WIRESTREAM_ALERTS_INDEX"]):
            es.indices.delete_index_template(name=template, ignore=[404])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _delete_kafka_leftovers(bootstrap: str, *, group: str, prefixes: list[str]) -> None:
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


@pytest.fixture
def tx_worker(tx_env: dict[str, str], tmp_path: Path) -> Iterator[Path]:
    """A worker of this test's own app; yields its log. Stopped before `tx_env` deletes its group and topics."""
    subprocess.run(wirestream("topics"), env=tx_env, cwd=ROOT, check=True, capture_output=True, timeout=60)
    log = tmp_path / "worker.log"
    process = start_worker(tx_env, log)
    try:
        yield log
    finally:
        stop(process)


def tx_settings(tx_env: dict[str, str]) -> Settings:
    values = {name.removeprefix("WIRESTREAM_").lower(): value for name, value in tx_env.items()}
    return Settings(**{name: value for name, value in values.items() if name in Settings.model_fields})


def test_a_story_from_an_aborted_transaction_is_never_indexed_nor_dead_lettered(
    tx_worker: Path, tx_env: dict[str, str], es: Elasticsearch, run_id: str
) -> None:
    settings = tx_settings(tx_env)
    aborted, committed = (_item(story) for story in distinct_stories(2, seed=23, prefix=f"{run_id}tx"))
    aborted_id, committed_id = (
        parse(item, max_bytes=settings.max_story_bytes).story_id for item in (aborted, committed)
    )

    # as a connector publishes (connectors/publisher.py): a transaction per batch; the first one is aborted
    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        transactional_id=f"{settings.app_id}-committed-reads",
        acks="all",
        enable_idempotence=True,
    )
    try:
        producer.init_transactions()
        producer.begin_transaction()
        aborted_at = _send(producer, settings, aborted)
        producer.abort_transaction()
        producer.begin_transaction()
        committed_at = _send(producer, settings, committed)
        producer.commit_transaction()
    finally:
        producer.close(timeout=10)
    assert aborted_at.offset < committed_at.offset
    # the aborted record is in the log, where a read_uncommitted consumer sees it: the worker has to skip it
    assert aborted.value in _values(settings, settings.raw_topic, PARTITION, isolation_level="read_uncommitted")
    assert aborted.value not in _values(settings, settings.raw_topic, PARTITION, isolation_level="read_committed")

    alias = settings.index_alias
    wait_for(lambda: _doc(es, alias, committed_id), timeout=90, what="the committed story indexed", log=tx_worker)
    # the worker is past both transactions on stories.raw, and everything it parsed has been deduped, indexed and
    # committed (stories.enriched is committed only after Elasticsearch acknowledged): nothing is left in flight
    wait_for(
        lambda: _drained(settings, after=committed_at.offset),
        timeout=90,
        what="the worker group to commit past the committed story and drain stories.parsed and stories.enriched",
        log=tx_worker,
    )

    indexed = _ids(es, alias)
    assert aborted_id not in indexed, "the story of the aborted transaction was indexed"
    assert indexed == [committed_id]
    assert _keys(settings, settings.parsed_topic) == [committed_id.encode()], "the worker parsed the aborted story"
    dead = _keys(settings, settings.dlq_topic)
    assert aborted.key.encode() not in dead, "the story of the aborted transaction was dead-lettered"
    assert dead == [], f"dead-lettered: {dead}"


def _item(story: bytes) -> RawItem:
    uri = json.loads(story)["uri"]
    return RawItem(item_key(SOURCE, uri), story, SOURCE, "application/json", "replay")


def _send(producer: KafkaProducer, settings: Settings, item: RawItem) -> RecordMetadata:
    future = producer.send(
        settings.raw_topic, key=item.key.encode(), value=item.value, headers=item.headers(), partition=PARTITION
    )
    producer.flush(timeout=30)
    return future.get(timeout=30)


def _records(settings: Settings, topic: str, partitions: list[int] | None, isolation_level: str) -> list[Any]:
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
        records: list[Any] = []
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < end[tp] for tp in assigned) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def _values(settings: Settings, topic: str, partition: int, *, isolation_level: str) -> list[bytes]:
    return [record.value for record in _records(settings, topic, [partition], isolation_level)]


def _keys(settings: Settings, topic: str) -> list[bytes]:
    return [record.key for record in _records(settings, topic, None, "read_uncommitted")]


def _drained(settings: Settings, *, after: int) -> bool:
    """The worker group has committed stories.raw's partition past offset `after` and has nothing left to commit
    on stories.parsed and stories.enriched."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    try:
        committed = admin.list_group_offsets({settings.app_id: None}).get(settings.app_id, {})
        raw = committed.get(TopicPartition(settings.raw_topic, PARTITION))
        if raw is None or raw.offset <= after:
            return False
        return consumer_lag(admin, consumer, settings.app_id, [settings.parsed_topic, settings.enriched_topic]) == 0
    finally:
        with contextlib.suppress(Exception):
            consumer.close()
        admin.close()


def _doc(es: Elasticsearch, alias: str, story_id: str) -> dict[str, Any] | None:
    if not es.indices.exists_alias(name=alias):
        return None
    es.indices.refresh(index=alias)
    hits = es.search(index=alias, body={"query": {"ids": {"values": [story_id]}}})["hits"]["hits"]
    return hits[0]["_source"] if hits else None


def _ids(es: Elasticsearch, alias: str) -> list[str]:
    es.indices.refresh(index=alias)
    hits = es.search(index=alias, body={"query": {"match_all": {}}, "size": 100, "_source": False})["hits"]["hits"]
    return sorted(hit["_id"] for hit in hits)
