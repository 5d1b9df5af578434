"""Story time and lateness: windows follow when stories were published, bounded by when they arrived, and stories
read long after their time (a backfill, a replay, a catch-up after an outage) are counted but never alert, while a
live burst alerts as before."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.spikes.alert import Kind
from pipeline.spikes.config import SpikeConfig, load_config
from pipeline.spikes.detector import Reading, SpikeDetector
from pipeline.spikes.leaderboard import Leaderboard
from pipeline.spikes.mentions import is_late, mentions, story_time
from pipeline.spikes.terms import TermExtractor

NOW = 1796601600.0  # 2026-12-07T00:00:00Z


@pytest.fixture(scope="module")
def config() -> SpikeConfig:
    return load_config()


@pytest.fixture(scope="module")
def extractor(config: SpikeConfig) -> TermExtractor:
    return TermExtractor.from_config(config)


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def story(number: int, published: float, ingested: float) -> dict[str, Any]:
    """An enriched record of a new story about Xanadu."""
    return {
        "story_id": f"xa-{number}",
        "headline": f"Unrest in Xanadu, report {number}",
        "body": ["Protesters filled the streets of the capital of Xanadu."],
        "published_at": _iso(published),
        "ingested_at": _iso(ingested),
        "language": "en",
        "countries": [{"code": "XA", "name": "Xanadu", "score": 0.9, "evidence": {"surfaces": ["Xanadu"]}}],
        "actors": [],
        "dedup": {"outcome": "new"},
    }


class Worker:
    """The spike agents' path through the pure modules: story time, lateness, distinct stories a hop, detector."""

    def __init__(self, config: SpikeConfig, extractor: TermExtractor) -> None:
        self.config, self.extractor = config, extractor
        self.detector = SpikeDetector(config, {})
        self.hops: Counter[tuple[str, int]] = Counter()
        self.late = 0

    def read(self, record: dict[str, Any], now: float) -> list[Reading]:
        """Read one record at `now`: the readings of its keys (none for a late story, which is only counted)."""
        at = story_time(record)
        found = mentions(record, self.extractor, self.config.min_tag_score, at=at)
        if found and is_late(at, now, self.config.max_lateness_seconds):
            self.late += 1
            return []
        step, hops = self.config.hop_seconds, self.config.buckets_per_window
        bucket = self.detector.bucket_of(at)
        readings = []
        for mention in found:
            key = mention.spike_key
            self.hops[key, bucket] += 1
            window = sum(self.hops[key, bucket - i * step] for i in range(hops))
            readings.append(self.detector.observe(key, at, self.hops[key, bucket], window))
        return readings

    def alerts(self, key: str, records: list[tuple[dict[str, Any], float]]) -> list[Reading]:
        """The alerting readings of `key` over (record, read at) pairs."""
        return [r for record, now in records for r in self.read(record, now) if r.key == key and r.alert]


def test_story_time_is_publication_bounded_by_arrival() -> None:
    assert story_time(story(1, published=NOW - 90, ingested=NOW)) == NOW - 90  # when it happened, not arrived
    assert story_time(story(2, published=NOW + 3600, ingested=NOW)) == NOW  # a source clock ahead: arrival
    # the parser's forms: published_at in seconds with an offset, ingested_at in milliseconds with Z
    record = story(3, published=NOW, ingested=NOW) | {"published_at": "2026-12-06T23:58:00+00:00"}
    assert story_time(record) == NOW - 120


def test_a_story_is_late_past_the_bound_only(config: SpikeConfig) -> None:
    bound = config.max_lateness_seconds
    assert not is_late(NOW - bound, NOW, bound)
    assert is_late(NOW - bound - 0.001, NOW, bound)
    assert not is_late(NOW + 5, NOW, bound)  # a worker clock behind the parser's: live


@given(now=st.floats(NOW, NOW + 86400), age=st.floats(0, 6 * 3600))
def test_late_stories_are_all_behind_the_window_judged_now_and_live_ones_all_of_it(now: float, age: float) -> None:
    config = load_config()  # hypothesis runs outside function-scoped fixtures
    detector = SpikeDetector(config, {})
    window_start = detector.bucket_of(now) - (config.buckets_per_window - 1) * config.hop_seconds
    at = now - age
    if is_late(at, now, config.max_lateness_seconds):
        assert detector.bucket_of(at) < window_start  # it could only have added to windows already closed
    if at >= window_start:
        assert not is_late(at, now, config.max_lateness_seconds)  # every story of the live window counts


def test_a_backfill_stamped_hours_earlier_raises_no_alert_and_a_live_burst_after_it_still_does(
    config: SpikeConfig, extractor: TermExtractor
) -> None:
    worker = Worker(config, extractor)
    # 600 stories published one every 6 s three hours ago (a burst in their own time), all arriving within a minute
    backfill = [(story(n, NOW - 3 * 3600 + 6 * n, NOW + n / 10), NOW + n / 10) for n in range(600)]
    assert worker.alerts("country:XA", backfill) == []
    assert worker.late == 600
    assert worker.detector.states == {} and not worker.hops  # counted in the metric only: no trace in the detector

    live = [(story(1000 + n, NOW + 120 + 10 * n, NOW + 121 + 10 * n), NOW + 122 + 10 * n) for n in range(8)]
    alerts = Worker(config, extractor).alerts("country:XA", live)
    assert len(alerts) == 1 and alerts[0].observed == config.min_count  # a live burst alone: one alert, at once
    after_backfill = worker.alerts("country:XA", live)
    assert after_backfill == alerts  # the same alert after the backfill as without it


def test_a_catch_up_keeps_its_recent_stories_live(config: SpikeConfig, extractor: TermExtractor) -> None:
    """A connector back from an hour's outage sends the hour at once: the old stories are late, while a burst in its
    last minutes (within the bound) is happening now and alerts, in the window it was published in."""
    worker = Worker(config, extractor)
    hour = [story(n, NOW - 3600 + 600 * n, NOW) for n in range(6)]  # one story every ten minutes
    burst = [story(100 + n, NOW - 150 + 20 * n, NOW) for n in range(6)]  # six in the last two and a half minutes
    alerts = worker.alerts("country:XA", [(record, NOW + 1) for record in hour + burst])
    assert worker.late == 6
    assert len(alerts) == 1
    assert alerts[0].at == story_time(burst[config.min_count - 1])
    assert alerts[0].window_end <= NOW  # the window it was published in, not the one it arrived in


def test_without_the_bound_the_backfill_would_alert_about_hours_ago(
    config: SpikeConfig, extractor: TermExtractor
) -> None:
    """The backfill above is a burst in its own time too: story time alone would still page, three hours late."""
    worker = Worker(dataclasses.replace(config, max_lateness_seconds=86400.0), extractor)
    backfill = [(story(n, NOW - 3 * 3600 + 6 * n, NOW + n / 10), NOW + n / 10) for n in range(20)]
    alerts = worker.alerts("country:XA", backfill)
    assert len(alerts) == 1 and alerts[0].at < NOW - 3 * 3600 + 60


def test_a_key_alerted_by_a_story_read_late_stays_shown_a_whole_window(
    config: SpikeConfig, extractor: TermExtractor
) -> None:
    """A polled feed brings a burst published up to five minutes earlier: the alert's key stays on the board (so on
    /metrics, so Prometheus pages) a window from when it was read, not from its story time."""
    worker = Worker(config, extractor)
    burst = [story(n, NOW - 280 + 10 * n, NOW) for n in range(4)]
    (alert,) = worker.alerts("country:XA", [(record, NOW) for record in burst])
    board = Leaderboard(config.top_keys, config.window_seconds)
    board.update(Kind.COUNTRY, "XA", alert, seen_at=NOW)
    assert [standing.key for standing in board.top(NOW + config.window_seconds - 1)] == ["XA"]
    assert board.top(NOW + config.window_seconds) == []


def test_the_bound_is_at_least_a_hop(config: SpikeConfig) -> None:
    with pytest.raises(ValueError, match="max_lateness_seconds"):
        dataclasses.replace(config, max_lateness_seconds=config.hop_seconds - 1)
