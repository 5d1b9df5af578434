"""Committed reads only, on the real servers: a story written to stories.raw in a Kafka transaction that was
aborted never reaches the worker (not parsed, not indexed, not dead-lettered); the story committed after it is
indexed. The worker runs with its own app, topics and index, all deleted at the end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaProducer
from kafka.producer.future import RecordMetadata

from pipeline.parse import parse
from pipeline.raw import RawItem
from pipeline.settings import Settings
from tests.integration.conftest import (
    distinct_stories,
    drained,
    indexed_doc,
    indexed_ids,
    record_keys,
    records,
    replay_item,
    running_worker,
    settings_of,
    transactional_producer,
    wait_for,
)

SOURCE = "txwire"
PARTITION = 0  # both stories on one partition of stories.raw: the committed one sits behind the aborted one


@pytest.fixture
def tx_env(own_app: Callable[..., dict[str, str]]) -> dict[str, str]:
    return own_app("tx")


@pytest.fixture
def tx_worker(tx_env: dict[str, str], tmp_path: Path) -> Iterator[Path]:
    """A worker of this test's own app; yields its log. Stopped before `own_app` deletes its group and topics."""
    log = tmp_path / "worker.log"
    with running_worker(tx_env, log):
        yield log


def test_a_story_from_an_aborted_transaction_is_never_indexed_nor_dead_lettered(
    tx_worker: Path, tx_env: dict[str, str], es: Elasticsearch, run_id: str
) -> None:
    settings = settings_of(tx_env)
    aborted, committed = (replay_item(story, SOURCE) for story in distinct_stories(2, seed=23, prefix=f"{run_id}tx"))
    aborted_id, committed_id = (
        parse(item, max_bytes=settings.max_story_bytes).story_id for item in (aborted, committed)
    )

    # as a connector publishes (connectors/publisher.py): a transaction per batch; the first one is aborted
    producer = transactional_producer(settings, "committed-reads")
    try:
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
    assert aborted.value in [r.value for r in records(settings, settings.raw_topic, [PARTITION], "read_uncommitted")]
    assert aborted.value not in [r.value for r in records(settings, settings.raw_topic, [PARTITION], "read_committed")]

    alias = settings.index_alias
    wait_for(
        lambda: indexed_doc(es, alias, committed_id), timeout=90, what="the committed story indexed", log=tx_worker
    )
    # the worker is past both transactions on stories.raw, and everything it parsed has been deduped, indexed and
    # committed (stories.enriched is committed only after Elasticsearch acknowledged): nothing is left in flight
    wait_for(
        lambda: drained(settings, partition=PARTITION, after=committed_at.offset),
        timeout=90,
        what="the worker group to commit past the committed story and drain stories.parsed and stories.enriched",
        log=tx_worker,
    )

    indexed = indexed_ids(es, alias)
    assert aborted_id not in indexed, "the story of the aborted transaction was indexed"
    assert indexed == [committed_id]
    assert record_keys(settings, settings.parsed_topic) == [committed_id.encode()], (
        "the worker parsed the aborted story"
    )
    dead = record_keys(settings, settings.dlq_topic)
    assert aborted.key.encode() not in dead, "the story of the aborted transaction was dead-lettered"
    assert dead == [], f"dead-lettered: {dead}"


def _send(producer: KafkaProducer, settings: Settings, item: RawItem) -> RecordMetadata:
    future = producer.send(
        settings.raw_topic, key=item.key.encode(), value=item.value, headers=item.headers(), partition=PARTITION
    )
    producer.flush(timeout=30)
    return future.get(timeout=30)
