"""The worker's consumer reads committed records only (pipeline/kafka_consumer.py), without a broker: the aiokafka
consumer Faust would start is built and inspected. tests/integration/test_read_committed.py proves it on Kafka."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace
from unittest.mock import patch

import faust
import pytest
from aiokafka import TopicPartition

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


async def fetch_loop_reads(
    consumer: faust.transport.drivers.aiokafka.Consumer,
    tp: faust.types.TP,
    offset: int,
    *,
    ack: bool = True,
    delivering: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """One record handed out to Faust's fetch loop (`Consumer._drain_messages`): dropped when behind the read offset,
    else a gap filed on a jump, the record delivered (`delivering`: what runs meanwhile), its offset taken for the
    last one read; then acked (unless not `ack`) as `Consumer.ack` does, an offset once."""
    last = consumer._read_offset[tp]
    if last is not None and offset < last:
        return
    if offset - (last or 0) > 1 and last:
        await consumer._add_gap(tp, last + 1, offset)
    if delivering is not None:
        await delivering()
    consumer._read_offset[tp] = offset
    if ack and offset not in consumer._acked_index[tp]:
        consumer._acked[tp].append(offset)
        consumer._acked_index[tp].add(offset)


def committed_after_rebalance(
    consumer_class: type,
    committed: int | None,
    read: list[int],
    skipped: frozenset[int] = frozenset(),
    seek: bool = True,
    topic: str = "raw",
    read_in_seek: tuple[int, ...] = (),
) -> int | None:
    """The offset one commit would write after the partition was sought to its `committed` offset (a rebalance;
    `seek=False`: the same offset committed mid-stream, the record before it the last read), then the records
    `read` were handed out by the consumer and came through the fetch loop, which files gaps as
    `Consumer._drain_messages` does, and every one was acked but those `skipped` (read, then dropped by a stream
    around a rebalance). `read_in_seek`: records the fetch loop read while the seek ran. Of the app's topics, "raw"
    is written in transactions and "parsed" is not, as in the worker."""
    app = faust.App(f"unit-seek-{consumer_class.__name__}", broker="kafka://127.0.0.1:1", store="memory://")
    use_read_committed(app, transactional=["raw"])
    app.topics.add(app.topic(topic))
    tp = faust.types.TP(topic, 0)

    async def read_all() -> int | None:
        await app.topics._update_indices()  # acks are enabled for "raw", as once the worker subscribed
        consumer = new_consumer(consumer_class, app)

        async def committed_offsets() -> dict[faust.types.TP, int]:
            for offset in read_in_seek:  # the fetch loop goes on while the consumer thread seeks
                consumer._read_offset[tp] = offset
            return {tp: committed}

        if seek:
            consumer.seek_to_committed = committed_offsets  # the broker's answer to a seek after a rebalance
            await consumer.perform_seek()
        elif committed is not None:
            consumer._committed_offset[tp], consumer._read_offset[tp] = committed, committed - 1
        async for _, message in consumer.getmany(timeout=1.0):
            await fetch_loop_reads(consumer, tp, message.offset, ack=message.offset not in skipped)
        return consumer._new_offset(tp)

    async def fetched(self: object, timeout: float) -> AsyncIterator[tuple[faust.types.TP, object]]:
        for offset in read:  # Faust's getmany, handing out the records fetched
            yield tp, SimpleNamespace(offset=offset)

    with patch.object(faust.transport.consumer.Consumer, "getmany", fetched):
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


def test_a_topic_written_without_transactions_never_has_an_offset_filed_as_a_marker() -> None:
    # read again after a seek to 16, the first record handed out is 17: 16 is a record still to come, not a marker
    assert committed_after_rebalance(ReadCommittedConsumer, 16, [17, 18, 19], topic="parsed") is None
    assert committed_after_rebalance(ReadCommittedConsumer, 16, [17, 18, 19], topic="raw") == 20  # there, a marker
    # nor is a jump in the offsets read (a record read out of turn): the records between are still to come
    assert committed_after_rebalance(ReadCommittedConsumer, 16, [16, 17, 20, 21], topic="parsed") == 18


def test_a_record_read_as_the_seek_runs_leaves_the_committed_offset_unfiled() -> None:
    # 16 was read while the partition was sought to it, then skipped; 17 is read next: 16 is no marker
    skipped = frozenset({16})
    assert (
        committed_after_rebalance(ReadCommittedConsumer, 16, [17, 18, 19], read_in_seek=(16,), skipped=skipped) is None
    )
    assert committed_after_rebalance(ReadCommittedConsumer, 16, [16, 17, 18, 19], read_in_seek=(16,)) == 20


def test_records_read_after_a_marker_as_the_seek_runs_leave_the_marker_to_be_filed() -> None:
    # committed 15, a marker; a recovery resumes the partition before it seeks, and 16 and 17 are read meanwhile
    assert committed_after_rebalance(ReadCommittedConsumer, 15, AFTER_MARKER, read_in_seek=(16, 17)) == 27


def test_a_record_handed_out_before_a_seek_that_ended_is_read_again_from_the_offset_sought() -> None:
    """Record 18 of an old batch is handed out, and the partition is sought back to 16 while the fetch loop waits
    to deliver it. Faust would take 18 for the last one read: 16 and 17, fetched again, would be dropped as read,
    and 16 taken for a marker."""
    app = faust.App("unit-straddle", broker="kafka://127.0.0.1:1", store="memory://")
    use_read_committed(app, transactional=["raw"])
    app.topics.add(app.topic("raw"))
    tp = faust.types.TP("raw", 0)
    batches = [[18], [16, 17, 18, 19]]

    async def fetched(self: object, timeout: float) -> AsyncIterator[tuple[faust.types.TP, object]]:
        for offset in batches.pop(0):
            yield tp, SimpleNamespace(offset=offset)

    async def read() -> tuple[int | None, list[object]]:
        await app.topics._update_indices()
        consumer = new_consumer(ReadCommittedConsumer, app)

        async def committed_offsets() -> dict[faust.types.TP, int]:
            return {tp: 16}

        consumer.seek_to_committed = committed_offsets
        consumer._committed_offset[tp] = 16
        async for _, message in consumer.getmany(timeout=1.0):  # the old batch: the seek runs while 18 is delivered
            await fetch_loop_reads(consumer, tp, message.offset, delivering=consumer.perform_seek)
        async for _, message in consumer.getmany(timeout=1.0):  # fetched again from 16: 18 comes twice
            await fetch_loop_reads(consumer, tp, message.offset)
        return consumer._new_offset(tp), list(consumer._gap[tp])

    with patch.object(faust.transport.consumer.Consumer, "getmany", fetched):
        assert asyncio.run(read()) == (20, [])


def test_a_record_fetched_before_a_seek_of_its_partition_is_not_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch is handed to the fetch loop a record at a time; a seek back meanwhile (a rebalance) makes the rest of
    it stale: aiokafka fetches those records again from the new position, and they come then."""
    app = faust.App("unit-stale-batch", broker="kafka://127.0.0.1:1", store="memory://")
    use_read_committed(app)
    tp = faust.types.TP("raw", 0)
    position = {tp: 743}  # the batch 740-742 was fetched: the partition's next fetch starts at 743

    async def batch(self: object, timeout: float) -> AsyncIterator[tuple[faust.types.TP, object]]:
        for offset in (740, 741, 742):
            yield tp, SimpleNamespace(offset=offset)
            if offset == 740:
                position[tp] = 741  # sought back to the committed offset 741 while 740 was being handed out

    async def handed_out() -> list[int]:
        consumer = new_consumer(ReadCommittedConsumer, app)
        monkeypatch.setattr(consumer._thread, "position_now", position.get)
        return [message.offset async for _, message in consumer.getmany(timeout=1.0)]

    monkeypatch.setattr(faust.transport.consumer.Consumer, "getmany", batch)
    assert asyncio.run(handed_out()) == [740]


def test_the_position_of_a_partition_is_read_from_aiokafka() -> None:
    """`position_now` reads aiokafka's own state: pinned here, as aiokafka offers no public call for it."""
    app = faust.App("unit-position", broker="kafka://127.0.0.1:1", store="memory://")
    use_read_committed(app)
    tp = faust.types.TP("raw", 0)

    async def positions() -> list[int | None]:
        thread = app.consumer._thread
        thread._consumer = consumer = thread._create_worker_consumer(app.transport)
        try:
            before = thread.position_now(tp)  # not assigned
            consumer._subscription.assign_from_user([TopicPartition("raw", 0)])
            consumer._subscription.seek(TopicPartition("raw", 0), 5)
            return [before, thread.position_now(tp)]
        finally:
            await consumer.stop()

    assert asyncio.run(positions()) == [None, 5]


def test_a_held_commit_is_said_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="pipeline.kafka_consumer"):
        committed_after_rebalance(ReadCommittedConsumer, 16, AFTER_MARKER)  # nothing held
        assert not caplog.records
        committed_after_rebalance(ReadCommittedConsumer, 16, AFTER_MARKER, skipped=frozenset({16}))
    assert [record.getMessage() for record in caplog.records] == [
        "commits of TP(topic='raw', partition=0) held at offset 16: no record there was acknowledged, nor is it "
        "known for a transaction marker; it is read again at the next rebalance or restart"
    ]
