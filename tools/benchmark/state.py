"""`wirestream bench state`: fill the on-disk dedup state (pipeline/dedup_disk.py) with distinct stories at 10 a
second of story time, and measure what a long window costs: process memory, disk, time a story, reopening the
state after a restart, rebuilding its indexes from the stories (a worker whose indexes were lost), and evicting.

The stories are distinct random texts (250 words from a 20,000-word vocabulary), so LSH finds almost no
candidates: the time a story is that of storing and looking up, not of scoring the weak candidates a real wire's
near-misses bring (the stages bench measures those).
"""

from __future__ import annotations

import gc
import os
import random
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.dedup_disk import DiskState
from pipeline.dedupe import Deduplicator, Outcome, load_config
from pipeline.record import Source, StoryRecord

STORIES_A_SECOND = 10
WORDS_A_STORY = 250
VOCABULARY = 20_000
START = datetime(2026, 1, 1, tzinfo=UTC)


def rss_bytes() -> int:
    """This process's resident memory now (Linux /proc), else its peak."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def disk_bytes(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def _story(number: int, rng: random.Random, vocabulary: list[str]) -> StoryRecord:
    at = START + timedelta(seconds=number / STORIES_A_SECOND)
    paragraphs = [" ".join(rng.choices(vocabulary, k=WORDS_A_STORY // 5)) for _ in range(5)]
    return StoryRecord(
        story_id=f"s{number}",
        source=Source(agency="Bench Wire", publisher="bench", connector="bench"),
        headline=f"Story {number}",
        body=paragraphs,
        published_at=at.isoformat(),
        ingested_at=at.isoformat(),
        sources=[],
    )


def fill(count: int, *, directory: Path | None = None, seed: int = 1, report_every: int = 100_000) -> dict[str, Any]:
    """Fill a fresh state with `count` stories, then reopen it and evict the oldest tenth."""
    rng = random.Random(seed)
    vocabulary = [f"w{rng.getrandbits(40):x}" for _ in range(VOCABULARY)]
    root = Path(tempfile.mkdtemp(prefix="wirestream-state-", dir=directory))
    path = root / "dedup"
    config = load_config()
    curve: list[dict[str, Any]] = []
    try:
        rss_start = rss_bytes()
        state = DiskState(path)
        deduplicator = Deduplicator(config, state.stores)
        unexpected = 0
        started = last = time.perf_counter()
        record = None
        for number in range(count):
            record = _story(number, rng, vocabulary)
            if deduplicator.dedupe(record).outcome is not Outcome.NEW:
                unexpected += 1
            if (number + 1) % report_every == 0 or number + 1 == count:
                now = time.perf_counter()
                done = number + 1
                curve.append(
                    {
                        "stories": done,
                        "rss_mib": round(rss_bytes() / 2**20, 1),
                        "disk_mib": round(disk_bytes(path) / 2**20, 1),
                        "rocksdb_memory_mib": {k: round(v / 2**20, 1) for k, v in state.memory_bytes().items()},
                        "us_a_story_recent": round((now - last) / min(report_every, done) * 1e6),
                    }
                )
                last = now
                print(f"[state] {curve[-1]}", flush=True)
        fill_seconds = time.perf_counter() - started
        state.close()
        del deduplicator, state
        gc.collect()
        opened = time.perf_counter()
        state = DiskState(path)
        deduplicator = Deduplicator(config, state.stores)
        again = deduplicator.dedupe(record)  # the last story again: a redelivery if the state came back
        reopen_seconds = time.perf_counter() - opened
        rebuilding = time.perf_counter()
        deduplicator.reindex()  # what a worker pays when its indexes are lost (a new disk, a partition moved)
        rebuild_seconds = time.perf_counter() - rebuilding
        rss_after_rebuild = rss_bytes()
        cutoff = START + config.window + timedelta(seconds=count / STORIES_A_SECOND / 10)
        evicting = time.perf_counter()
        evicted = deduplicator.evict(cutoff)
        evict_seconds = time.perf_counter() - evicting
        state.close()
        return {
            "stories": count,
            "unexpected_outcomes": unexpected,
            "fill_seconds": round(fill_seconds, 1),
            "us_a_story": round(fill_seconds / count * 1e6),
            "rss_start_mib": round(rss_start / 2**20, 1),
            "curve": curve,
            "disk_bytes_a_story": round(disk_bytes(path) / count),
            "reopen_seconds": round(reopen_seconds, 3),
            "after_reopen_item_seen_before": again.outcome.value,
            "rebuild_seconds": round(rebuild_seconds, 1),
            "rss_after_rebuild_mib": round(rss_after_rebuild / 2**20, 1),
            "evicted": evicted,
            "evict_seconds": round(evict_seconds, 2),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)
