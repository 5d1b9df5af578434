"""Kafka 4.x is the broker: prove both client stacks (kafka-python for connectors, aiokafka under
Faust) talk to it, both ways, with keys, headers and compression intact."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from kafka import KafkaAdminClient, KafkaProducer

from pipeline.settings import Settings
from tests.integration.conftest import consume_all


def test_broker_is_kafka_4(settings: Settings, kafka_ready: None) -> None:
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        version = admin._client.check_version()
    finally:
        admin.close()
    assert version[0] == 4, f"expected a Kafka 4.x broker, found {version}"


def test_kafka_python_to_aiokafka(settings: Settings, kafka_ready: None, run_id: str) -> None:
    topic = f"{run_id}.clients-{uuid.uuid4().hex[:8]}"  # the session's prefix: deleted with its other topics
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", compression_type="gzip")
    producer.send(topic, key=b"k1", value=b"from kafka-python", headers=[("source", b"kp")]).get(timeout=30)
    producer.close()

    async def consume() -> list[tuple[bytes, bytes, list]]:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=settings.kafka_bootstrap, auto_offset_reset="earliest", group_id=None
        )
        await consumer.start()
        try:
            batches = await consumer.getmany(timeout_ms=15_000)
            return [(m.key, m.value, list(m.headers)) for msgs in batches.values() for m in msgs]
        finally:
            await consumer.stop()

    assert asyncio.run(consume()) == [(b"k1", b"from kafka-python", [("source", b"kp")])]


def test_aiokafka_to_kafka_python(settings: Settings, kafka_ready: None, run_id: str) -> None:
    topic = f"{run_id}.clients-{uuid.uuid4().hex[:8]}"  # the session's prefix: deleted with its other topics

    async def produce() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", compression_type="gzip")
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"from aiokafka", key=b"k2", headers=[("source", b"aio")])
        finally:
            await producer.stop()

    asyncio.run(produce())
    records = consume_all(settings, topic, expect=1)
    assert [(r.key, r.value, list(r.headers)) for r in records] == [(b"k2", b"from aiokafka", [("source", b"aio")])]
