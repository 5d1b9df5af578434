"""Spike alerting in the worker: the Faust shell around pipeline/spikes (all logic lives in the pure modules).

stories.enriched ──keys of new live stories──▶ <app>-spike-mentions (partitioned by kind:key; one message a
       │                                       story and partition, stamped with its story time)
       │   ──windowed counts + detector──▶ alerts.spikes ──▶ Elasticsearch index `alerts`
       │                                └─▶ /metrics: top keys' scores (wirestream_spike_*)
       └─ late stories (backfill, replay, catch-up) ──▶ /metrics: wirestream_spike_late_stories_total, no alert

Windows follow story time (mentions.story_time) and a story read more than `max_lateness_seconds` after it
counts as late and no further (mentions.is_late): only live stories can page the desk. The count table keeps a
window beyond that lateness, so a story that late still reads its whole window.

The mentions topic is partitioned by key, so each key's counts (a tumbling table of distinct stories a hop, merged
into the window when read: one changelog write a mention instead of one per window) and detector state (a table)
live in one partition, changelog-backed: a restarted worker resumes every baseline. The
leader sends every partition a sweep message each `sweep_seconds`; its owner then forgets keys that decayed back
to the prior (tables can only change inside stream processing, on the partition that owns the key).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
import zlib
from collections import defaultdict

import faust

from pipeline.app import app, enriched_topic, written_batches
from pipeline.settings import get_settings
from pipeline.spikes import metrics
from pipeline.spikes.alert import SpikeAlert
from pipeline.spikes.config import load_config
from pipeline.spikes.detector import SpikeDetector
from pipeline.spikes.indexing import AlertIndexer
from pipeline.spikes.leaderboard import Leaderboard
from pipeline.spikes.mentions import Mention, add_story, count, is_late, mentions, merged, story_time, top_stories
from pipeline.spikes.terms import TermExtractor

log = logging.getLogger(__name__)
settings = get_settings()
config = load_config()
extractor = TermExtractor.from_config(config)

_SWEEP = b'{"sweep": true}'
_json = faust.Schema(key_type=str, key_serializer="json", value_serializer="json")

mentions_topic = app.topic(
    f"{settings.app_id}-spike-mentions",
    key_type=bytes,
    value_type=bytes,
    partitions=settings.topic_partitions,
    internal=True,
)
# The worker creates the alerts topic: it is the only writer.
spikes_topic = app.topic(
    settings.spikes_topic, key_type=bytes, value_type=bytes, partitions=settings.topic_partitions, internal=True
)

# Distinct stories per key and hop of story time; a hop's value is a mentions.WindowStories. Kept until a story
# `max_lateness_seconds` late no longer reads them.
story_hops = app.Table("spike-hops", default=dict, partitions=settings.topic_partitions, schema=_json).tumbling(
    config.hop_seconds, expires=config.window_seconds + config.max_lateness_seconds
)
detector_states = app.Table("spike-detector", partitions=settings.topic_partitions, schema=_json)
detector = SpikeDetector(config, detector_states)
leaderboard = Leaderboard(config.top_keys, config.window_seconds)
gauges = metrics.SpikeGauges()
alert_indexer = AlertIndexer(settings)
app.async_exit_stack.push_async_callback(alert_indexer.close)  # as the story indexer's (pipeline/app.py)
_add_story = functools.partial(add_story, keep=config.top_stories)


def partition_of(key: bytes) -> int:
    """The mentions partition of a key, chosen here rather than by the producer so a sweep knows its keys."""
    return zlib.crc32(key) % settings.topic_partitions


@app.task
async def prepare_alerts_index() -> None:
    await alert_indexer.setup()


@app.agent(enriched_topic)
async def spot_mentions(stream: faust.StreamT) -> None:
    async for event in stream.events():
        try:
            record = json.loads(event.value)
            at = story_time(record)
            found = mentions(record, extractor, config.min_tag_score, at=at)
        except Exception:  # a record spikes cannot read must not stop the stream; it is indexed all the same
            log.exception("spikes: story %r not counted", event.key)
            continue
        if found and is_late(at, time.time(), config.max_lateness_seconds):
            metrics.SPIKE_LATE_STORIES.inc()
            continue
        by_partition: dict[int, list[Mention]] = defaultdict(list)
        for mention in found:
            by_partition[partition_of(mention.spike_key.encode())].append(mention)
        for partition, group in by_partition.items():
            await mentions_topic.send(
                key=str(partition).encode(), value=Mention.to_json(group), partition=partition, timestamp=group[0].at
            )


@app.agent(mentions_topic)
async def detect_spikes(stream: faust.StreamT) -> None:
    async for event in stream.events():
        message = event.message
        if message.value == _SWEEP:
            mine = [key for key in list(detector_states.keys()) if partition_of(key.encode()) == message.partition]
            detector.forget(mine, message.timestamp)
            continue
        for mention in Mention.from_json(message.value):
            await _observe(mention)
        await asyncio.sleep(0)  # let the other agents run between stories


async def _observe(mention: Mention) -> None:
    hops = story_hops[mention.spike_key]
    hops.apply(_add_story, [mention.relevance, mention.story_id, mention.headline, mention.at])
    window = merged(
        [hops.delta(back * config.hop_seconds) for back in range(config.buckets_per_window)], config.top_stories
    )
    hop = detector.bucket_of(mention.at)
    reading = detector.observe(mention.spike_key, mention.at, count(window, since=hop), count(window))
    leaderboard.update(mention.kind, mention.key, reading, seen_at=time.time())
    if reading.alert:
        alert = SpikeAlert.from_reading(mention.kind, mention.key, mention.name, reading, top_stories(window))
        metrics.SPIKE_ALERTS.labels(kind=str(mention.kind)).inc()
        await spikes_topic.send(key=alert.alert_id.encode(), value=json.dumps(alert.to_dict()).encode())


@app.agent(spikes_topic)
async def index_alerts(stream: faust.StreamT) -> None:
    async for batch in written_batches(stream, 100, within=1.0):
        await alert_indexer.write([json.loads(event.value) for event in batch])


@app.timer(config.sweep_seconds, on_leader=True)
async def sweep_detector_state() -> None:
    for partition in range(settings.topic_partitions):
        await mentions_topic.send(key=b"", value=_SWEEP, partition=partition)


@app.timer(5.0)
async def export_spike_metrics() -> None:
    gauges.publish(leaderboard.top(time.time()))
