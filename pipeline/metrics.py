"""Prometheus metrics of the pipeline worker. Labels are bounded: reasons and stages are fixed codes."""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from pipeline.tagging.actors import UNLISTED

STORIES_CONSUMED = Counter("wirestream_stories_consumed", "Raw items read from stories.raw")
STORIES_PARSED = Counter("wirestream_stories_parsed", "Raw items parsed into story records")
STORIES_INDEXED = Counter("wirestream_stories_indexed", "Story documents acknowledged by Elasticsearch")
SOURCE_UPDATES = Counter(
    "wirestream_index_source_updates",
    "Sources-only writes acknowledged by Elasticsearch: a copy or redelivery filed under a story already indexed",
)
DEAD_LETTERED = Counter("wirestream_dead_lettered", "Items sent to the dead-letter topic", ["stage", "reason"])
INDEX_RETRIES = Counter(
    "wirestream_index_retries", "Bulk requests retried because Elasticsearch was unavailable or busy"
)
BULK_SECONDS = Histogram(
    "wirestream_index_bulk_seconds",
    "Time for one bulk request to be acknowledged, retries included",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
DEDUP_OUTCOMES = Counter(
    "wirestream_dedup_outcomes", "Stories by dedup outcome: new, update, duplicate, redelivery", ["outcome"]
)
DEDUP_EVICTED = Counter("wirestream_dedup_evicted", "Stories dropped from the dedup tables past the window")
DEDUP_STORIES = Gauge("wirestream_dedup_stories", "Canonical stories held in the dedup window")
# Tags of distinct (new) stories. Labels stay bounded: ISO 3166-1 codes, and actor ids of the curated gazetteer
# (actors found only by their title are counted under one "unlisted" label).
COUNTRY_TAGS = Counter("wirestream_story_countries", "New stories tagged with a country", ["country"])
ACTOR_TAGS = Counter("wirestream_story_actors", "New stories tagged with a gazetteer actor", ["actor"])


def count_tags(countries: list[dict[str, Any]], actors: list[dict[str, Any]]) -> None:
    for country in countries:
        COUNTRY_TAGS.labels(country=country["code"]).inc()
    for actor in actors:
        ACTOR_TAGS.labels(actor="unlisted" if actor["id"].startswith(UNLISTED) else actor["id"]).inc()
