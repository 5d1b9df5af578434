"""The Faust application: topics and agents only. All story logic lives in pure modules.

stories.raw ──parse──▶ stories.enriched ──index──▶ Elasticsearch (alias `stories`)
      └──────────── anything unreadable or refused ─────────▶ stories.dlq
"""

from __future__ import annotations

import json
from typing import Any

import faust
from faust.sensors.prometheus import setup_prometheus_sensors

from pipeline import metrics
from pipeline.deadletter import dead_letter_headers
from pipeline.indexing import ElasticsearchIndexer
from pipeline.parse import Rejected
from pipeline.process import process
from pipeline.raw import RawItem
from pipeline.settings import get_settings

settings = get_settings()

app = faust.App(
    settings.app_id,
    broker=f"kafka://{settings.kafka_bootstrap}",
    store="memory://",
    topic_partitions=settings.topic_partitions,
    web_host=settings.worker_web_host,
    web_port=settings.worker_web_port,
    producer_acks=-1,
    key_serializer="raw",
    value_serializer="raw",
)
setup_prometheus_sensors(app, pattern="/metrics", name_prefix="wirestream_faust")

raw_topic = app.topic(settings.raw_topic, key_type=bytes, value_type=bytes)
enriched_topic = app.topic(settings.enriched_topic, key_type=bytes, value_type=bytes)
dlq_topic = app.topic(settings.dlq_topic, key_type=bytes, value_type=bytes)

indexer = ElasticsearchIndexer(settings)


@app.task
async def prepare_index() -> None:
    await indexer.setup()


@app.agent(raw_topic)
async def parse_stories(stream: faust.StreamT) -> None:
    async for event in stream.events():
        metrics.STORIES_CONSUMED.inc()
        message = event.message
        item = RawItem.from_kafka(message.key, message.value, message.headers)
        try:
            record = process(item, max_bytes=settings.max_story_bytes)
        except Rejected as rejected:
            await _dead_letter(message.key, item.value, item.headers(), "parse", rejected.reason, rejected.detail)
            continue
        except Exception as exc:  # a parser bug must not stop the stream: keep the item, say why
            await _dead_letter(message.key, item.value, item.headers(), "parse", "parser_error", repr(exc))
            continue
        metrics.STORIES_PARSED.inc()
        await enriched_topic.send(key=record.story_id.encode(), value=json.dumps(record.to_dict()).encode())


@app.agent(enriched_topic)
async def index_stories(stream: faust.StreamT) -> None:
    async for batch in stream.take(settings.index_batch_size, within=settings.index_batch_seconds):
        docs: dict[str, dict[str, Any]] = {}
        for value in batch:
            doc = json.loads(value)
            docs[doc["story_id"]] = doc  # the last version of a story in a batch wins
        for rejection in await indexer.write(list(docs.values())):
            await _dead_letter(
                rejection.story_id.encode(),
                json.dumps(docs[rejection.story_id]).encode(),
                [],
                "index",
                f"es_{rejection.status}",
                rejection.reason,
            )


async def _dead_letter(
    key: bytes | None, value: bytes, headers: list[tuple[str, bytes]], stage: str, reason: str, detail: str
) -> None:
    metrics.DEAD_LETTERED.labels(stage=stage, reason=reason).inc()
    await dlq_topic.send(
        key=key, value=value, headers=dead_letter_headers(headers, stage=stage, reason=reason, detail=detail)
    )
