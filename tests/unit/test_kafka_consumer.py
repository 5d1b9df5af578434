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


def committed_after(consumer_class: type, batches: list[range], in_flight: frozenset[int] = frozenset()) -> int | None:
    """The offset one commit would write after every record of `batches` (transactions, each followed by its
    commit marker, which no consumer sees) was read and all but those `in_flight` acked, as Faust's fetch loop and
    `ack()` file them."""
    app = faust.App(f"unit-gaps-{consumer_class.__name__}", broker="kafka://127.0.0.1:1", store="memory://")
    tp = faust.types.TP("raw", 0)

    async def read() -> int | None:
        consumer = consumer_class(
            app.transport,
            callback=lambda message: None,
            on_partitions_revoked=lambda revoked: None,
            on_partitions_assigned=lambda assigned: None,
        )
        consumer._committed_offset[tp] = batches[0].start
        previous = None
        for batch in batches:
            for offset in batch:
                if previous is not None and offset - previous > 1:  # as in Consumer._drain_messages
                    await consumer._add_gap(tp, previous + 1, offset)
                previous = offset
                if offset in in_flight:
                    continue
                consumer._acked[tp].append(offset)  # as in Consumer.ack
                consumer._acked_index[tp].add(offset)
        return consumer._new_offset(tp)

    return asyncio.run(read())


def test_a_commit_moves_past_every_transaction_read_and_acked() -> None:
    # three transactions of five records; each commit marker takes the offset after its batch
    batches = [range(10, 15), range(16, 21), range(22, 27)]
    assert committed_after(ReadCommittedConsumer, batches) == 27
    # faust-streaming 0.15.3 alone files the first record after each marker twice, and a commit stops there
    assert committed_after(faust.transport.drivers.aiokafka.Consumer, batches) == 17


def test_a_commit_never_passes_a_record_still_in_flight_after_a_marker() -> None:
    # the parse agent acks out of order: 16, the first record after a marker, is still being parsed
    batches, in_flight = [range(10, 15), range(16, 19)], frozenset({16})
    assert committed_after(ReadCommittedConsumer, batches, in_flight) == 16
    # faust-streaming 0.15.3 alone counts 16 as part of the gap: it would commit past it, and lose it in a crash
    assert committed_after(faust.transport.drivers.aiokafka.Consumer, batches, in_flight) == 19
