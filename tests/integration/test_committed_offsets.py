"""Committed offsets on a transactional topic, on the real servers: connectors write stories.raw one transaction a
batch, and each transaction's commit marker takes an offset no consumer sees. After a worker has read many such
transactions and stops, its group has committed stories.raw up to the last story, so a restart reads nothing again.
faust-streaming 0.15.3 alone files the first record after each marker twice and each commit moves past one
transaction only (pipeline/kafka_consumer.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient, TopicPartition

from pipeline.parse import parse
from tests.integration.conftest import (
    distinct_stories,
    drained,
    indexed_ids,
    replay_item,
    running_worker,
    settings_of,
    transactional_producer,
    wait_for,
)

SOURCE = "gapwire"
PARTITION = 0
TRANSACTIONS = 30  # one story each, so 30 commit markers between them


def test_a_stopped_worker_has_committed_every_transaction_it_read(
    own_app: Callable[..., dict[str, str]], es: Elasticsearch, run_id: str, tmp_path: Path
) -> None:
    env = own_app("gaps")
    settings = settings_of(env)
    items = [replay_item(story, SOURCE) for story in distinct_stories(TRANSACTIONS, seed=31, prefix=f"{run_id}gap")]
    story_ids = sorted(parse(item, max_bytes=settings.max_story_bytes).story_id for item in items)
    log = tmp_path / "worker.log"
    with running_worker(env, log):
        producer = transactional_producer(settings, "gaps")
        try:
            for item in items:  # as connectors/publisher.py does: a transaction per batch
                producer.begin_transaction()
                last = producer.send(
                    settings.raw_topic,
                    key=item.key.encode(),
                    value=item.value,
                    headers=item.headers(),
                    partition=PARTITION,
                )
                producer.commit_transaction()
            last_offset = last.get(timeout=30).offset
        finally:
            producer.close(timeout=10)
        wait_for(
            lambda: (
                es.indices.exists_alias(name=settings.index_alias)
                and indexed_ids(es, settings.index_alias) == story_ids
            ),
            timeout=120,
            what=f"the {TRANSACTIONS} stories indexed",
            log=log,
        )
        wait_for(  # everything parsed was deduped and indexed; stories.raw committed past the first story at least
            lambda: drained(settings, partition=PARTITION, after=last_offset - 2 * TRANSACTIONS),
            timeout=90,
            what="the worker to drain stories.parsed and stories.enriched",
            log=log,
        )
    # stopped: the worker's last commit covers every story it read and acked
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        committed = admin.list_group_offsets({settings.app_id: None})[settings.app_id]
    finally:
        admin.close()
    assert committed[TopicPartition(settings.raw_topic, PARTITION)].offset == last_offset + 1
