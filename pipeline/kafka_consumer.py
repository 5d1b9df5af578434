"""The worker's Kafka transport: Faust's aiokafka transport, with a consumer that reads committed records only.

Connectors publish each batch in a Kafka transaction (`connectors/publisher.py`), and a batch whose transaction
was aborted (a connector fenced or stopped mid-batch) must never reach the index. Kafka filters such records out
only for a consumer with `isolation.level=read_committed`. faust-streaming 0.15.3 builds its aiokafka consumer
(`AIOKafkaConsumerThread._create_worker_consumer`) with `read_uncommitted` unless the app runs with
`processing_guarantee="exactly_once"`, and has no setting or consumer option for the isolation level alone.

Exactly-once is not what we want here: it gives every assigned source partition a transactional producer of its
own, commits offsets through those transactions, and makes each hop (raw → parsed → enriched) wait for a commit
before the next agent may read the record, which would add the commit interval to produce-to-searchable latency
at every hop. Offsets of the enriched topic are committed after Elasticsearch acknowledged a batch either way.

So this module subclasses the three aiokafka driver classes, each by the one factory Faust calls to build the
next (transport → consumer → consumer thread), and the thread creates the consumer exactly as Faust does, then
switches it to `read_committed` before it starts. aiokafka keeps the level it was given as `_isolation_level`
and hands it to its fetcher in `start()`; no public setter exists, so the override checks that the attribute is
there and fails loudly (rather than read uncommitted data silently) should a later aiokafka rename it.
`tests/unit/test_kafka_consumer.py` pins this, `tests/integration/test_read_committed.py` proves it on Kafka.

The worker's own topics (table changelogs, stories.parsed, stories.enriched, stories.dlq) are written without
transactions, so for them committed and uncommitted reads are the same records.

A transactional topic has gaps: the offset of each commit marker (and of each aborted record) never reaches the
consumer. The consumer files them as acked so that offsets commit past them; faust-streaming 0.15.3 files one offset
too many there, which `ReadCommittedConsumer._add_gap` corrects. It also commits past an offset right after the
committed one, to step over a marker it did not file, and so past a record there that no stream acknowledged; this
consumer files every marker, the one at the committed offset after a seek included, and never commits past a
record it has not seen acknowledged (`ReadCommittedConsumer._new_offset`).

Filing markers right takes more. Only a topic written in transactions has markers: on any other topic an offset
the fetch loop did not see holds a record, and is never filed. And only a record read from the partition's position
tells what the offsets before it hold, while Faust hands out a fetched batch a record at a time and a rebalance or
a recovery may seek the partition back in between: a record fetched before that seek is not handed out
(`ReadCommittedConsumer.getmany`), and one handed out before it is not taken for read (`_on_read`); both come again
from the new position. Otherwise the record's offset, read after the seek, would make the records before it look
like markers: filed as acknowledged, and lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer
from faust.transport.consumer import ensure_TP
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, AppT, Message, TransportT

READ_COMMITTED = "read_committed"

log = logging.getLogger(__name__)


class ReadCommittedConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """Faust's aiokafka consumer thread, its worker consumer switched to `read_committed` before it starts."""

    def _create_worker_consumer(self, transport: faust_aiokafka.Transport) -> AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        if getattr(consumer, "_isolation_level", None) not in ("read_uncommitted", READ_COMMITTED):
            raise RuntimeError(
                "aiokafka no longer keeps the consumer's isolation level in `_isolation_level`: "
                "pipeline.kafka_consumer cannot make the worker read committed records only"
            )
        consumer._isolation_level = READ_COMMITTED
        if not hasattr(consumer, "_subscription"):
            raise RuntimeError(
                "aiokafka no longer keeps the consumer's subscription state in `_subscription`: "
                "pipeline.kafka_consumer cannot tell a record fetched before a seek"
            )
        return consumer

    def position_now(self, tp: TP) -> int | None:
        """aiokafka's position of `tp` (the offset its next fetch starts at), None when not assigned or not known.
        Read from the worker's loop while this thread runs: attribute reads only, no call into the thread."""
        consumer = self._consumer
        subscription = consumer._subscription.subscription if consumer is not None else None
        assignment = subscription.assignment if subscription is not None else None
        state = assignment.state_value(tp) if assignment is not None else None
        return state._position if state is not None else None


class ReadCommittedConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer, running `ReadCommittedConsumerThread`, with gaps in a partition filed right."""

    _thread: ReadCommittedConsumerThread

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # topics written in transactions, the only ones with markers; None: any topic may have them
        self._transactional: frozenset[str] | None = getattr(self.transport, "transactional_topics", None)
        self._sought: dict[TP, int] = {}  # partition → the committed offset it was sought to, until a record is read
        # Seeks of every partition (`perform_seek`): how many began, how many run now, and the offsets read as they
        # ran. The record the fetch loop has in hand: the seeks begun when it was handed out, and whether one ran.
        self._seek_serial, self._seeking = 0, 0
        self._read_in_seek: dict[TP, set[int]] = {}
        self._handed_out: tuple[int, bool] = (0, True)
        self._read_offset = _ReadOffsets(self._on_read)
        self._held: dict[TP, int] = {}  # partition → the committed offset its commits wait at
        # Faust's fetch loop would also commit every `broker_commit_every` acks, between taking a record and noting
        # it read; a rebalance finished during that commit would make a record fetched before it the first one read
        # after the seek (`_on_read`). Commits come from the commit timer only.
        self._commit_every = None

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        for tp in revoked:
            self._sought.pop(tp, None)
        await super().on_partitions_revoked(revoked)

    def _new_consumer_thread(self) -> ReadCommittedConsumerThread:
        return ReadCommittedConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        """Faust's records, less those a seek of their partition made stale while the batch was handed out.

        A batch is fetched at once and handed to the fetch loop a record at a time, each delivered to its streams
        before the next (a wait when a stream's buffer is full); a rebalance or a recovery may seek the partition
        back meanwhile. aiokafka then fetches again from the new position, and the records of the old batch from
        there on would come twice: first the stale one, whose offset Faust takes for the last one read, so the
        records before it, fetched again, are dropped as already read, and the offsets between look like markers.
        A record at or past the partition's position now was fetched before the seek, and comes again."""
        async for tp, message in super().getmany(timeout):
            position = self._thread.position_now(tp)
            if position is not None and message.offset >= position:
                log.debug("%s: record %d, fetched before a seek to %d, comes again", tp, message.offset, position)
                continue
            self._handed_out = (self._seek_serial, not self._seeking)
            yield tp, message

    async def perform_seek(self) -> None:
        """Seek every partition to its committed offset, as Faust does, and remember where each one stands.

        The fetch loop goes on while the consumer thread seeks: a record it read meanwhile at the offset sought
        tells that a record is there, whatever comes next (`_on_read`)."""
        if not self._seeking:
            self._read_in_seek.clear()
        self._seek_serial += 1
        self._seeking += 1
        try:
            await super().perform_seek()
        finally:
            self._seeking -= 1
        self._sought = {
            tp: offset
            for tp, offset in dict(self._read_offset).items()  # a copy: the consumer thread may seek a changelog
            if offset is not None
            and self._committed_offset.get(tp) == offset
            and offset not in self._read_in_seek.get(tp, ())
        }

    async def seek(self, partition: TP, offset: int) -> None:
        """Faust's seek of one partition, its new position not taken for a record read (`_on_read`)."""
        self._sought.pop(partition, None)
        await self._seek(partition, offset)
        self._read_offset.seek(ensure_TP(partition), offset if offset else None)

    def _on_read(self, tp: TP, previous: int | None, offset: int) -> bool:
        """The fetch loop read `offset` after `previous`; file the offsets between that Faust leaves out of its gaps,
        and say whether Faust may take `offset` for the last one read.

        The first record read after a seek to a committed offset tells what that offset holds: a record when it is
        the one read, a commit marker (no record) when the first one comes later; Faust takes its read offset for the
        last one read, and files no gap there. Nor does it after offset 0, which it reads as no offset at all.

        Only a record handed out once the last seek had ended tells anything. One read while a seek runs is noted
        (`perform_seek` sets the read offsets when it ends). One handed out before a seek that has ended since is
        not taken for read: the partition is read again from the offset sought, and it comes again."""
        if not self.app.topics.acks_enabled_for(tp.topic):
            return True  # a changelog: not acked (and sought by recovery from the consumer thread)
        if self._seeking:
            self._read_in_seek.setdefault(tp, set()).add(offset)
            return True
        serial, settled = self._handed_out
        if not settled or serial != self._seek_serial:
            return False
        sought = self._sought.pop(tp, None)
        if sought is not None and offset > sought:
            self._file_gap(tp, sought, sought)
        if previous == 0 and offset > 1:
            self._file_gap(tp, 1, offset - 1)
        return True

    def _file_gap(self, tp: TP, first: int, last: int) -> None:
        """File offsets `first` to `last` as acked, merged with any gap already filed (an offset filed twice would
        stand twice in the acked list and break the run of consecutive offsets a commit takes). Only on a topic
        written in transactions: on any other a record is at every offset, and those not seen are still to come."""
        if self._transactional is not None and tp.topic not in self._transactional:
            return
        self._gap[tp].addi(first, last + 1)
        self._gap[tp].merge_overlaps()

    async def _add_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
        """File the offsets no record will come for (a transaction's commit marker, an aborted batch) as acked.

        Faust calls this with `offset_to` set to the offset of the record that arrived after the gap, and files the
        range up to and including it. While that record is still being worked on (the parse agent acks out of
        order), a commit may then pass it, and a crash loses it. Once it is acked, its offset is twice in the acked
        list, the run of consecutive offsets breaks there, and each commit moves past one transaction only: the
        committed offset of a transactional topic falls behind by thousands of records (a restart reads them all
        again; faust-streaming issues #606, robinhood #625). The gap ends before that record. Faust also leaves out
        the committed offset itself (it starts the gap after it); a marker there is filed too."""
        committed = self._committed_offset[tp]
        if committed is not None:
            offset_from = max(offset_from, committed)
        if offset_from <= offset_to - 1:
            self._file_gap(tp, offset_from, offset_to - 1)
            await asyncio.sleep(0)

    def _new_offset(self, tp: TP) -> int | None:
        """The offset to commit, never past one that holds a record not yet acknowledged.

        Faust takes the first acknowledged offset right after the committed one for no gap (`min(acked) - committed
        > 1`), to step over a commit marker it did not file. That also steps over a record at the committed offset
        that no stream acknowledged (one read and skipped around a rebalance), which no worker reads again; the
        suspected way the rebalance fault case lost a story. With every marker filed (`_on_read`, `_add_gap`), a
        commit waits for the committed offset to be acknowledged or filed; a record skipped there holds the commit
        back until the partition is read again from it (the next rebalance or restart), so it comes again."""
        committed, acked = self._committed_offset[tp], self._acked[tp]
        if committed is not None and acked and min(acked) > committed and not self._gap[tp].overlaps(committed):
            if self._held.get(tp) != committed:  # said once a hold: the commit timer asks every few seconds
                self._held[tp] = committed
                log.warning(
                    "commits of %s held at offset %d: no record there was acknowledged, nor is it known for a "
                    "transaction marker; it is read again at the next rebalance or restart",
                    tp,
                    committed,
                )
            return None
        self._held.pop(tp, None)
        return super()._new_offset(tp)


class _ReadOffsets(defaultdict[TP, int | None]):
    """Faust's read offsets, which also tell the consumer each record its fetch loop reads."""

    def __init__(self, on_read: Callable[[TP, int | None, int], bool]) -> None:
        super().__init__(lambda: None)
        self._on_read = on_read

    def __setitem__(self, tp: TP, offset: int | None) -> None:
        """The fetch loop read the record at `offset` (unless the consumer says it comes again)."""
        if offset is None or self._on_read(tp, self.get(tp), offset):
            super().__setitem__(tp, offset)

    def seek(self, tp: TP, offset: int | None) -> None:
        """The partition was sought to `offset`: the next record read comes from there; none was read."""
        super().__setitem__(tp, offset)


class ReadCommittedTransport(faust_aiokafka.Transport):
    """Faust's aiokafka transport (`kafka://`), creating `ReadCommittedConsumer`s."""

    Consumer = ReadCommittedConsumer
    transactional_topics: frozenset[str] | None = None  # None: any topic may be written in transactions


def use_read_committed(app: AppT, transactional: Iterable[str] | None = None) -> TransportT:
    """Give `app` the read-committed transport for its `broker_consumer` URLs. Call it right after `faust.App(...)`,
    before anything (a topic, an agent) makes the app create its default transport. `transactional`: the topics
    written in Kafka transactions, the only ones with commit markers (None: any may be)."""
    transport = ReadCommittedTransport(app.conf.broker_consumer, app)
    transport.transactional_topics = frozenset(transactional) if transactional is not None else None
    app.transport = transport
    return transport
