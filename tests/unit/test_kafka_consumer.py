"""The worker's consumer reads committed records only (pipeline/kafka_consumer.py), without a broker: the aiokafka
consumer Faust would start is built and inspected. tests/integration/test_read_committed.py proves it on Kafka."""

from __future__ import annotations

import asyncio
import logging

import faust
import pytest

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


def new_consumer(consumer_class: type, app: faust.App) -> faust.transport.drivers.aiokafka.Consumer:
    """A worker consumer of `app`, built as Faust builds it, never started."""
    return consumer_class(
        app.transport,
        callback=lambda message: None,
        on_partitions_revoked=lambda revoked: None,
        on_partitions_assigned=lambda assigned: None,
    )


def committed_after(consumer_class: type, batches: list[range], in_flight: frozenset[int] = frozenset()) -> int | None:
    """The offset one commit would write after every record of `batches` (transactions, each followed by its
    commit marker, which no consumer sees) was read and all but those `in_flight` acked, as Faust's fetch loop and
    `ack()` file them."""
    app = faust.App(f"unit-gaps-{consumer_class.__name__}", broker="kafka://127.0.0.1:1", store="memory://")
    tp = faust.types.TP("raw", 0)

    async def read() -> int | None:
        consumer = new_consumer(consumer_class, app)
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


def committed_after_rebalance(
    consumer_class: type,
    committed: int | None,
    read: list[int],
    skipped: frozenset[int] = frozenset(),
    seek: bool = True,
) -> int | None:
    """The offset one commit would write after the partition was sought to its `committed` offset (a rebalance;
    `seek=False`: the same offset committed mid-stream, the record before it the last read), then the records
    `read` came through the fetch loop, which files gaps as `Consumer._drain_messages` does, and every one was acked
    but those `skipped` (read, then dropped by a stream around a rebalance)."""
    app = faust.App(f"unit-seek-{consumer_class.__name__}", broker="kafka://127.0.0.1:1", store="memory://")
    app.topics.add(app.topic("raw"))
    tp = faust.types.TP("raw", 0)

    async def read_all() -> int | None:
        await app.topics._update_indices()  # acks are enabled for "raw", as once the worker subscribed
        consumer = new_consumer(consumer_class, app)

        async def committed_offsets() -> dict[faust.types.TP, int]:
            return {tp: committed}

        if seek:
            consumer.seek_to_committed = committed_offsets  # the broker's answer to a seek after a rebalance
            await consumer.perform_seek()
        elif committed is not None:
            consumer._committed_offset[tp], consumer._read_offset[tp] = committed, committed - 1
        for offset in read:
            last = consumer._read_offset[tp]
            if last is None or offset >= last:
                if offset - (last or 0) > 1 and last:
                    await consumer._add_gap(tp, last + 1, offset)
                consumer._read_offset[tp] = offset
            if offset not in skipped:
                consumer._acked[tp].append(offset)  # as in Consumer.ack
                consumer._acked_index[tp].add(offset)
        return consumer._new_offset(tp)

    return asyncio.run(read_all())


# transactions of five records, each followed by its commit marker: records 16-20, marker 21, records 22-26, marker 27
AFTER_MARKER = [*range(16, 21), *range(22, 27)]


def test_after_a_rebalance_a_commit_steps_over_the_marker_at_the_committed_offset() -> None:
    # committed 15, the marker after records 10-14: the first record read is 16, so 15 holds none
    assert committed_after_rebalance(ReadCommittedConsumer, 15, AFTER_MARKER) == 27


def test_a_commit_never_passes_a_record_at_the_committed_offset_left_unacked() -> None:
    # committed 16, a record, read again and skipped (around a rebalance): the commit waits for it to come again
    assert committed_after_rebalance(ReadCommittedConsumer, 16, AFTER_MARKER, skipped=frozenset({16})) is None
    assert committed_after_rebalance(ReadCommittedConsumer, 16, AFTER_MARKER) == 27
    # faust-streaming 0.15.3 alone commits past it: the record is never read again, by any worker
    consumer = faust.transport.drivers.aiokafka.Consumer
    assert committed_after_rebalance(consumer, 16, AFTER_MARKER, skipped=frozenset({16})) > 16


def test_a_marker_at_an_offset_committed_mid_stream_is_filed_and_the_commit_moves_on() -> None:
    # 15 committed before record 16 was read (the fetch loop behind the commit): 15 is filed as a gap, no stall
    assert committed_after_rebalance(ReadCommittedConsumer, 15, AFTER_MARKER, seek=False) == 27


def test_the_markers_after_a_topics_first_record_are_filed() -> None:
    # one record a transaction from the topic's start, nothing committed yet: Faust files no gap after offset 0
    assert committed_after_rebalance(ReadCommittedConsumer, None, [0, 2, 4, 6], seek=False) == 7
    # and after a seek to 0 (the group committed nothing past the first record's marker)
    assert committed_after_rebalance(ReadCommittedConsumer, 0, [0, 2, 4, 6]) == 7


def test_a_seek_elsewhere_files_no_gap() -> None:
    app = faust.App("unit-seek-elsewhere", broker="kafka://127.0.0.1:1", store="memory://")
    app.topics.add(app.topic("raw"))
    tp = faust.types.TP("raw", 0)

    async def seek() -> list[object]:
        await app.topics._update_indices()
        consumer = new_consumer(ReadCommittedConsumer, app)

        async def position_set(partition: faust.types.TP, offset: int) -> None:
            return None

        consumer._seek = position_set  # the broker's part of a seek
        consumer._read_offset[tp] = 0  # the topic's first record read
        await consumer.seek(tp, 50)
        return [consumer._read_offset[tp], list(consumer._gap[tp])]

    assert asyncio.run(seek()) == [50, []]  # offsets 1 to 49 were never read, and are not filed as gaps


def test_a_held_commit_is_said_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="pipeline.kafka_consumer"):
        committed_after_rebalance(ReadCommittedConsumer, 16, AFTER_MARKER)  # nothing held
        assert not caplog.records
        committed_after_rebalance(ReadCommittedConsumer, 16, AFTER_MARKER, skipped=frozenset({16}))
    assert [record.getMessage() for record in caplog.records] == [
        "commits of TP(topic='raw', partition=0) held at offset 16: the record there was read and never "
        "acknowledged; it is read again at the next rebalance or restart"
    ]
