"""The Faust application: topics, tables and agents only. All story logic lives in pure modules.

stories.raw ──parse+tag──▶ stories.parsed ──dedup──▶ stories.enriched ──index──▶ Elasticsearch (alias `stories`)
      └──────────────── anything unreadable or refused ──────────────────────────▶ stories.dlq

Parsing and tagging are per story and scale with the partitions of stories.raw. Dedup compares each story with
every story in its window, so stories.parsed has one partition and the dedup tables live with it.

Other agents (spike alerting, pipeline/spikes/agent.py) import this app and add theirs; pipeline/worker.py imports
them all and is what the worker runs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import faust
from aiokafka.errors import KafkaError, KafkaTimeoutError
from faust.exceptions import ProducerSendError
from faust.sensors.prometheus import setup_prometheus_sensors
from faust.types import EventT, Message
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential

from pipeline import metrics
from pipeline.deadletter import dead_letter_headers
from pipeline.dedup_disk import DISK_TABLE_OPTIONS, STORED, DiskState
from pipeline.dedupe import Deduplicator, DedupStores, Outcome, load_config
from pipeline.faust_worker import Worker
from pipeline.indexing import ElasticsearchIndexer
from pipeline.kafka_consumer import use_read_committed
from pipeline.kafka_security import faust_options
from pipeline.ordered_acks import InOrderAcks
from pipeline.parse_pool import OverBudget, Parsed, ParsePool
from pipeline.raw import RawItem
from pipeline.record import StoryRecord
from pipeline.settings import get_settings
from pipeline.worker_web import worker_web_options

logger = logging.getLogger(__name__)
settings = get_settings()

app = faust.App(
    settings.app_id,
    broker=f"kafka://{settings.kafka_bootstrap}",
    store="memory://",
    datadir=f"{settings.worker_data_dir}/{{conf.name}}-data",
    topic_partitions=settings.topic_partitions,
    **worker_web_options(settings),  # listen on worker_web_host only; no table or router views
    producer_acks=-1,
    producer_max_request_size=settings.topic_max_message_bytes,
    broker_session_timeout=settings.worker_session_timeout,
    # On SIGTERM or a rebalance, do not wait for events still in hand (an index batch waiting on an Elasticsearch
    # that is away would hold the worker forever): they are not acked, so not committed, and come again.
    stream_wait_empty=False,
    key_serializer="raw",
    value_serializer="raw",
    Worker=Worker,  # Faust's, without the spinner that sets the root logger to DEBUG (pipeline/faust_worker.py)
    **faust_options(settings),
)
# Read committed records only: a batch a connector's transaction aborted never reaches the index. Faust does so
# only under exactly-once processing; pipeline/kafka_consumer.py says why we do not use that, and how instead.
use_read_committed(app, transactional=[settings.raw_topic])
setup_prometheus_sensors(app, pattern="/metrics", name_prefix="wirestream_faust")

raw_topic = app.topic(settings.raw_topic, key_type=bytes, value_type=bytes)
parsed_topic = app.topic(settings.parsed_topic, key_type=bytes, value_type=bytes, partitions=1)
enriched_topic = app.topic(settings.enriched_topic, key_type=bytes, value_type=bytes)
dlq_topic = app.topic(settings.dlq_topic, key_type=bytes, value_type=bytes)

# Dedup state: the canonical stories and the items filed under them, changelog-backed so a restarted worker
# recovers them. The band, fingerprint and expiry indexes are derived from the stories and rebuilt after recovery.
# On disk (the default, `dedup_state`): the tables in Faust's RocksDB store and the indexes in a RocksDB of their
# own (pipeline/dedup_disk.py), so memory stays bounded whatever the window holds; in memory: dicts.
_on_disk = settings.dedup_state == "disk"


def _dedup_table(name: str) -> faust.Table:
    # "rocksdb:<name>", not "rocksdb://": an URL with neither host nor path is false, and Faust would fall back
    # to the app's memory store without a word.
    store = {"store": f"rocksdb:{name}", "options": DISK_TABLE_OPTIONS} if _on_disk else {}
    schema = faust.Schema(key_type=str, key_serializer="json", value_serializer="json")
    return app.Table(name, partitions=1, schema=schema, **store)


dedup_stories = _dedup_table("dedup-stories")
dedup_items = _dedup_table("dedup-items")
deduplicator = Deduplicator(
    load_config(), DedupStores(stories=dedup_stories, bands={}, fingerprints={}, items=dedup_items)
)

indexer = ElasticsearchIndexer(settings)
# Closed when the worker stops, after its agents (the app's exit stack unwinds last): a client left open is reported
# at ERROR ("Unclosed client session") by aiohttp on every shutdown.
app.async_exit_stack.push_async_callback(indexer.close)
parse_pool = ParsePool(processes=settings.parse_processes, budget_seconds=settings.item_time_budget_seconds)


_dedup_index: DiskState | None = None


@dedup_stories.on_recover
async def rebuild_dedup_indexes() -> None:
    """Bring the derived indexes in line with the recovered stories. On disk they live in the worker's data
    directory (opened here, when the worker runs, not when this module is imported) and survive a restart: they
    are rebuilt only when they hold another number of stories than the table (a new disk, or a partition that
    was away), since a full rebuild reads every story in the window."""
    global _dedup_index
    if _on_disk and _dedup_index is None:
        _dedup_index = DiskState(Path(app.conf.datadir) / "dedup-index")
        index = _dedup_index.stores
        deduplicator.stores = dataclasses.replace(
            deduplicator.stores, bands=index.bands, fingerprints=index.fingerprints, expiry=index.expiry
        )
    started = time.monotonic()
    held = len(dedup_stories)
    if _dedup_index is not None and _dedup_index.meta.get(STORED) == held:
        deduplicator.stored = held
        logger.info("dedup indexes on disk match the %d stories recovered (%.1f s)", held, time.monotonic() - started)
        return
    deduplicator.reindex()
    _note_stored()
    logger.info("dedup indexes rebuilt: %d stories in %.1f s", deduplicator.stored, time.monotonic() - started)


def _note_stored() -> None:
    if _dedup_index is not None:
        _dedup_index.meta[STORED] = deduplicator.stored


@app.task
async def prepare_index() -> None:
    await indexer.setup()


@app.agent(raw_topic)
async def parse_stories(stream: faust.StreamT) -> None:
    """Items go to the parse pool as they come, up to `parse_in_flight` at once, and are acked once their outcome is
    sent, in offset order: a slow item holds back the commit of the later ones, never their work, and an item over
    its budget is dead-lettered, never redelivered."""
    manual = stream.noack()
    slots = asyncio.Semaphore(settings.parse_in_flight or 4 * parse_pool.processes)
    running: set[asyncio.Task[None]] = set()
    acks: InOrderAcks[EventT] = InOrderAcks()
    async for event in manual.events():
        await slots.acquire()
        acks.started(event.message.tp, event.message.offset, event)
        task = asyncio.ensure_future(_parse_one(manual, event, acks))
        running.add(task)
        task.add_done_callback(lambda done: (running.discard(done), slots.release()))


async def _parse_one(stream: faust.StreamT, event: EventT, acks: InOrderAcks[EventT]) -> None:
    metrics.STORIES_CONSUMED.inc()
    message = event.message
    headers = list(message.headers or [])
    outcome = await parse_pool.parse(message.key, message.value, headers, settings.max_story_bytes)
    reason: str | None = None
    if isinstance(outcome, Parsed):
        metrics.STORIES_PARSED.inc()
        try:
            await _delivered(parsed_topic, key=outcome.story_id.encode(), value=outcome.record_json.encode())
        except UNDELIVERABLE as exc:  # refused for good (a record the topic will not take): kept with the reason
            reason, detail = "undeliverable", _why(exc)
    elif isinstance(outcome, OverBudget):
        reason, detail = "over_time_budget", f"parse and tag took more than {outcome.seconds:g} s"
    else:
        reason, detail = outcome.reason, outcome.detail
    if reason is not None:
        item = RawItem.from_kafka(message.key, message.value, headers)
        await _dead_letter(message.key, item.value, item.headers(), "parse", reason, detail)
    for done in acks.finished(message.tp, message.offset, event):  # in offset order: pipeline/ordered_acks.py says why
        await stream.ack(done)


@app.service
class ParsePoolService(faust.Service):
    """Stops the parse pool's processes with the worker."""

    async def on_stop(self) -> None:
        parse_pool.stop()


@app.agent(parsed_topic)
async def dedupe_stories(stream: faust.StreamT) -> None:
    """Each story is acked once its outcome is sent. Faust's stream acks the event in hand when the loop is left,
    so an agent stopped mid-send (a worker leaving the group) would have its story committed unsent."""
    manual = stream.noack()
    evicted_at = time.monotonic()
    async for event in manual.events():
        await _dedupe_one(event.message)
        await manual.ack(event)
        if time.monotonic() - evicted_at >= settings.dedup_evict_seconds:
            evicted_at = time.monotonic()
            metrics.DEDUP_EVICTED.inc(deduplicator.evict(datetime.now(UTC)))
        _note_stored()
        metrics.DEDUP_STORIES.set(deduplicator.stored)


async def _dedupe_one(message: Message) -> None:
    try:
        record = StoryRecord.from_dict(json.loads(message.value))
        decision = deduplicator.dedupe(record)
    except Exception as exc:  # a record dedup cannot read is kept with the reason, never dropped
        await _dead_letter(message.key, message.value, [], "dedup", "dedup_error", repr(exc))
        return
    metrics.DEDUP_OUTCOMES.labels(outcome=decision.outcome.value).inc()
    story = decision.apply(record)
    if decision.outcome is Outcome.NEW:  # tag counts are of distinct stories
        metrics.count_tags(story.countries, story.actors)
    value = json.dumps(story.to_dict()).encode()
    try:
        await _delivered(enriched_topic, key=story.story_id.encode(), value=value)
    except UNDELIVERABLE as exc:  # refused for good: kept with the reason, as the parse agent does
        await _dead_letter(message.key, message.value, [], "dedup", "undeliverable", _why(exc))


async def written_batches(stream: faust.StreamT, size: int, within: float) -> AsyncIterator[list[EventT]]:
    """Batches of events acked only after the loop body has written them. Faust's take() acks a batch when the
    loop is left, so a batch held by a worker stopped mid-write would be committed unwritten."""
    async for events in stream.noack_take(size, within=within):
        yield events
        for event in events:
            await stream.ack(event)


@app.agent(enriched_topic)
async def index_stories(stream: faust.StreamT) -> None:
    async for batch in written_batches(stream, settings.index_batch_size, settings.index_batch_seconds):
        docs = [json.loads(event.value) for event in batch]
        for rejection in await indexer.write(docs):
            await _dead_letter(
                rejection.story_id.encode(),
                json.dumps(rejection.doc).encode(),
                [],
                "index",
                rejection.code,
                rejection.reason,
            )


async def _dead_letter(
    key: bytes | None, value: bytes, headers: list[tuple[str, bytes]], stage: str, reason: str, detail: str
) -> None:
    metrics.DEAD_LETTERED.labels(stage=stage, reason=reason).inc()
    headers = dead_letter_headers(headers, stage=stage, reason=reason, detail=detail)
    await _delivered(dlq_topic, key=key, value=value, headers=headers)


UNDELIVERABLE = (KafkaError, ProducerSendError)  # what `_delivered` raises for a record Kafka refuses for good


async def _delivered(
    topic: faust.TopicT, *, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]] | None = None
) -> None:
    """Send, and return once Kafka has the record. Faust's send returns as soon as the record is buffered, and a
    delivery that fails later is only logged: the item it came from would be acknowledged, committed and lost. A
    delivery that fails for a passing reason is sent again with backoff until Kafka takes it; one refused for good
    raises one of `UNDELIVERABLE`. The delivery is shielded: a worker stopping mid-wait leaves it to the producer."""

    def warn(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        logger.warning("sending to %s failed (%r); sending again", topic.get_topic_name(), error)

    wait = wait_exponential(multiplier=0.5, max=30)
    retrying = AsyncRetrying(retry=retry_if_exception(_passes), wait=wait, before_sleep=warn, reraise=True)
    async for attempt in retrying:
        with attempt:
            await asyncio.shield(await topic.send(key=key, value=value, headers=headers))


def _why(exc: BaseException) -> str:
    """What Kafka said: faust wraps an error raised while a record is buffered in `ProducerSendError`."""
    return repr(exc.__cause__ or exc)


def _passes(exc: BaseException) -> bool:
    """A delivery error that passes on its own: the broker away or electing a leader, or the producer's timeout
    (which aiokafka marks as not retriable, though an outage is what causes it). Faust wraps an error raised while
    the record is buffered in `ProducerSendError`; its cause tells."""
    cause = exc.__cause__ if isinstance(exc, ProducerSendError) else exc
    return isinstance(cause, KafkaTimeoutError) or (isinstance(cause, KafkaError) and cause.retriable)
