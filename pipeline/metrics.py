"""Prometheus metrics of the pipeline worker. Labels are bounded: reasons and stages are fixed codes."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

STORIES_CONSUMED = Counter("wirestream_stories_consumed", "Raw items read from stories.raw")
STORIES_PARSED = Counter("wirestream_stories_parsed", "Raw items parsed into story records")
STORIES_INDEXED = Counter("wirestream_stories_indexed", "Story documents acknowledged by Elasticsearch")
DEAD_LETTERED = Counter("wirestream_dead_lettered", "Items sent to the dead-letter topic", ["stage", "reason"])
INDEX_RETRIES = Counter(
    "wirestream_index_retries", "Bulk requests retried because Elasticsearch was unavailable or busy"
)
BULK_SECONDS = Histogram(
    "wirestream_index_bulk_seconds",
    "Time for one bulk request to be acknowledged, retries included",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
