"""The worker's consumer reads committed records only (pipeline/kafka_consumer.py), without a broker: the aiokafka
consumer Faust would start is built and inspected. tests/integration/test_read_committed.py proves it on Kafka."""

from __future__ import annotations

import asyncio

import faust

from pipeline.kafka_consumer import (
    READ_COMMITTED,
    ReadCommittedConsumer,
    ReadCommittedConsumerThread,
    ReadCommittedTransport,
    use_read_committed,
)


def worker_consumer_isolation_level(app: faust.App) -> str:
    """The isolation level of the aiokafka consumer the app's worker would start (built, never started)."""

    async def build() -> str:
        consumer = app.consumer._thread._create_worker_consumer(app.transport)
        try:
            return consumer._isolation_level
        finally:
            await consumer.stop()

    return asyncio.run(build())


def test_faust_alone_reads_uncommitted_records() -> None:
    """What the module is for: without exactly-once, Faust's consumer reads aborted transactions' records."""
    app = faust.App("unit-default", broker="kafka://127.0.0.1:1", store="memory://")
    assert worker_consumer_isolation_level(app) == "read_uncommitted"


def test_the_read_committed_transport_builds_a_read_committed_consumer_and_nothing_else_changes() -> None:
    app = faust.App("unit-read-committed", broker="kafka://127.0.0.1:1", store="memory://")
    transport = use_read_committed(app)
    app.topic("unit-topic")  # the first topic creates the conductor from the transport: it must be ours
    assert app.transport is transport
    assert isinstance(transport, ReadCommittedTransport)
    assert isinstance(app.consumer, ReadCommittedConsumer)
    assert isinstance(app.consumer._thread, ReadCommittedConsumerThread)
    assert worker_consumer_isolation_level(app) == READ_COMMITTED
    assert not app.in_transaction  # no exactly-once: no transactional producers, offsets committed as before
    assert app.conf.processing_guarantee.value == "at_least_once"


def test_the_worker_app_uses_the_read_committed_transport() -> None:
    from pipeline.app import app

    assert isinstance(app.transport, ReadCommittedTransport)
    assert worker_consumer_isolation_level(app) == READ_COMMITTED
