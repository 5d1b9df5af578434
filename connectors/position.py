"""Connector positions kept in Kafka, committed in the same transaction as the items they cover.

This is the Kafka Connect exactly-once source design (KIP-618): a connector instance writes its items
and its new position in one transaction, so after a crash either both are in Kafka or neither is, and
a restarted instance reads back exactly the position of the last committed batch.

A position is a mapping of parts (a replayed file, a feed, a dropped file) to small JSON values; a part
set to None is deleted (a tombstone, which compaction removes). Records are keyed by the target topic,
the instance and the part, so one compacted topic serves every connector and every target topic.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaTimeoutError, TopicAlreadyExistsError

from pipeline.settings import Settings

Position = Mapping[str, Any]


def record_key(target_topic: str, instance: str, part: str) -> bytes:
    """A JSON array, so no instance or part name (file paths, URLs) can run into another's key."""
    return json.dumps([target_topic, instance, part], ensure_ascii=False).encode()


def records(target_topic: str, instance: str, position: Position) -> list[tuple[bytes, bytes | None]]:
    """The (key, value) records that store a position update; None values become tombstones."""
    return [
        (record_key(target_topic, instance, part), None if value is None else json.dumps(value).encode())
        for part, value in position.items()
    ]


def fold(target_topic: str, instance: str, stored: Iterable[tuple[bytes, bytes | None]]) -> dict[str, Any]:
    """The current position of one instance from the topic's records, oldest first; others are skipped."""
    current: dict[str, Any] = {}
    for key, value in stored:
        try:
            topic, owner, part = json.loads(key)
        except (ValueError, TypeError):
            continue  # not a position record: nothing of ours
        if topic != target_topic or owner != instance:
            continue
        if value is None:
            current.pop(part, None)
        else:
            current[part] = json.loads(value)
    return current


def covers(committed: Position, update: Position) -> bool:
    """Whether a committed position already holds an update, i.e. the batch carrying it was committed."""
    return all(committed.get(part) == _roundtrip(value) for part, value in update.items())


def _roundtrip(value: Any) -> Any:
    return None if value is None else json.loads(json.dumps(value))


class PositionStore:
    """Reads one connector instance's committed position back from the compacted positions topic."""

    def __init__(self, settings: Settings, instance: str, options: Mapping[str, object]) -> None:
        self.instance = instance
        self.topic = settings.positions_topic
        self.target_topic = settings.raw_topic
        self.bootstrap = settings.kafka_bootstrap
        self.options = dict(options)

    @property
    def transactional_id(self) -> str:
        """One per instance and target topic: a second process of the same instance fences the first."""
        return f"wirestream:{self.target_topic}:{self.instance}"

    def records(self, position: Position) -> list[tuple[bytes, bytes | None]]:
        return records(self.target_topic, self.instance, position)

    def ensure_topic(self) -> None:
        """Create the compacted topic on first use, as Kafka Connect does with its offsets topic."""
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, **self.options)
        try:
            if self.topic in admin.list_topics():
                return
            brokers = len(admin.describe_cluster()["brokers"])
            topic = NewTopic(self.topic, 1, min(3, brokers), topic_configs={"cleanup.policy": "compact"})
            admin.create_topics([topic])
        except TopicAlreadyExistsError:
            pass  # another connector created it between list and create
        finally:
            admin.close()

    def load(self, timeout: float = 30.0) -> dict[str, Any]:
        """Read the topic to its last stable offset with read_committed: aborted batches are never seen."""
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
            **self.options,
        )
        try:
            numbers = sorted(consumer.partitions_for_topic(self.topic) or {0})
            partitions = [TopicPartition(self.topic, number) for number in numbers]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            end = consumer.end_offsets(partitions)
            stored: list[tuple[bytes, bytes | None]] = []
            deadline = time.monotonic() + timeout
            while any(consumer.position(tp) < end[tp] for tp in partitions):
                if time.monotonic() > deadline:
                    raise KafkaTimeoutError(f"could not read {self.topic} to its end in {timeout}s")
                for batch in consumer.poll(timeout_ms=500).values():
                    stored.extend((record.key, record.value) for record in batch)
        finally:
            consumer.close()
        return fold(self.target_topic, self.instance, stored)
