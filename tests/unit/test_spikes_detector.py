"""The spike detector: one burst one alert, no alert on a steady level, hysteresis, cool-down, seasonality, late
stories, forgetting, and state a changelog table can hold."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator, MutableMapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.spikes.config import SpikeConfig, load_config
from pipeline.spikes.detector import KeyState, Reading, SpikeDetector, _hops_by_hour

START = 1793491200  # 2026-11-01T00:00:00Z, a Sunday midnight


class JsonTable(MutableMapping[str, KeyState]):
    """A stand-in for a changelog table's contract: values go through JSON on every write, so a value mutated in
    place after it was stored, or one JSON cannot carry, shows up as a difference."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    def __getitem__(self, key: str) -> KeyState:
        return json.loads(self.data[key])

    def __setitem__(self, key: str, value: KeyState) -> None:
        self.data[key] = json.dumps(value)

    def __delitem__(self, key: str) -> None:
        del self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


@pytest.fixture(scope="module")
def config() -> SpikeConfig:
    return load_config()


class Feed:
    """Counts stories per hop like the worker's table and hands them to a detector."""

    def __init__(self, detector: SpikeDetector) -> None:
        self.detector = detector
        self.hops: Counter[tuple[str, int]] = Counter()

    def story(self, key: str, at: float) -> Reading:
        step, hops = self.detector.config.hop_seconds, self.detector.config.buckets_per_window
        bucket = self.detector.bucket_of(at)
        self.hops[key, bucket] += 1
        window = sum(self.hops[key, bucket - i * step] for i in range(hops))
        return self.detector.observe(key, at, self.hops[key, bucket], window)

    def steady(self, key: str, start: float, hours: float, every: float, size: int = 1) -> list[Reading]:
        """`size` stories (ten seconds apart) every `every` seconds."""
        times = [start + i * every + j * 10 for i in range(int(hours * 3600 / every)) for j in range(size)]
        return [self.story(key, at) for at in times]


def test_a_burst_on_a_quiet_key_gives_one_alert(config: SpikeConfig) -> None:
    feed = Feed(SpikeDetector(config, {}))
    feed.steady("topic:ceasefire", START, 24, every=3600)  # one story an hour for a day
    burst = [feed.story("topic:ceasefire", START + 86400 + 600 + i * 15) for i in range(12)]
    alerts = [reading for reading in burst if reading.alert]
    assert len(alerts) == 1
    assert alerts[0].observed == config.min_count  # it alerts as soon as it can
    assert alerts[0].score >= config.threshold
    assert all(reading.active for reading in burst[config.min_count - 1 :])


def test_a_steady_high_level_gives_no_alert(config: SpikeConfig) -> None:
    feed = Feed(SpikeDetector(config, {}))
    warmup = feed.steady("country:US", START, 12, every=30)  # 120 stories an hour
    after = feed.steady("country:US", START + 12 * 3600, 48, every=30)
    assert sum(reading.alert for reading in warmup) <= 1  # the cold start, once
    assert not any(reading.alert for reading in after)


def test_a_lasting_new_level_alerts_once(config: SpikeConfig) -> None:
    feed = Feed(SpikeDetector(config, {}))
    feed.steady("actor:someone", START, 24, every=1800)
    shifted = feed.steady("actor:someone", START + 86400, 24, every=60)  # 2 an hour, then 60 an hour
    assert sum(reading.alert for reading in shifted) == 1


def test_hysteresis_and_cool_down(config: SpikeConfig) -> None:
    feed = Feed(SpikeDetector(config, {}))
    key = "topic:storm"
    feed.steady(key, START, 24, every=3600)
    first = START + 86400

    def burst(at: float) -> list[Reading]:
        return [feed.story(key, at + i * 10) for i in range(8)]

    assert sum(r.alert for r in burst(first)) == 1
    # a second burst right after the first window: still on (not re-armed), and within the cool-down
    assert not any(r.alert for r in burst(first + config.window_seconds))
    # quiet windows re-arm it, but the cool-down still holds
    assert not any(r.alert for r in burst(first + config.cooldown_seconds / 2))
    # after the cool-down, with quiet windows between, a new burst is a new alert
    assert sum(r.alert for r in burst(first + config.cooldown_seconds + 2 * config.window_seconds)) == 1


def test_the_baseline_is_robust_to_bursts(config: SpikeConfig) -> None:
    detector = SpikeDetector(config, {})
    feed = Feed(detector)
    key = "topic:quiet"
    feed.steady(key, START, 24, every=3600, size=2)
    before = detector.level(detector.states[key])
    for i in range(40):
        feed.story(key, START + 86400 + i * 5)
    feed.story(key, START + 86400 + 3600)  # moves the window on: the burst's hops are folded in
    assert detector.level(detector.states[key]) < 2 * before


def test_seasonality_where_history_allows(config: SpikeConfig) -> None:
    detector = SpikeDetector(config, {})
    feed = Feed(detector)
    key = "country:JP"
    for day in range(7):  # busy from 00:00 to 08:00 UTC (60 an hour), quiet the rest of the day (4 an hour)
        base = START + day * 86400
        feed.steady(key, base, 8, every=60)
        feed.steady(key, base + 8 * 3600, 16, every=900)
    state = detector.states[key]
    assert "hs" in state
    night = detector.expected(state, START + 7 * 86400 + 3 * 3600)
    day = detector.expected(state, START + 7 * 86400 + 14 * 3600)
    assert night > 5 * day
    # the same count is a spike in the quiet hours, not in the busy ones
    assert detector.score(12, day) >= config.threshold > detector.score(12, night)


def test_no_profile_for_a_quiet_key(config: SpikeConfig) -> None:
    detector = SpikeDetector(config, {})
    Feed(detector).steady("actor:rare", START, 72, every=7200, size=2)
    assert "hs" not in detector.states["actor:rare"]


def test_state_is_plain_json_and_never_mutated_in_place(config: SpikeConfig) -> None:
    plain, table = Feed(SpikeDetector(config, {})), Feed(SpikeDetector(config, JsonTable()))
    for feed in (plain, table):
        feed.steady("country:FR", START, 30, every=120)
        feed.steady("topic:mpox", START, 30, every=5400)
    readings = [(plain.story(key, at), table.story(key, at)) for key, at in _burst("topic:mpox", START + 31 * 3600)]
    assert all(a == b for a, b in readings)
    assert json.loads(json.dumps(dict(plain.detector.states))) == dict(table.detector.states.items())


def _burst(key: str, at: float) -> list[tuple[str, float]]:
    return [(key, at + i * 7) for i in range(10)]


def test_a_late_story_in_the_window_counts_and_may_alert(config: SpikeConfig) -> None:
    detector = SpikeDetector(config, {})
    key = "topic:late"
    hop = START + 86400  # stories of hop H-4 and H come after one of hop H+1 (partitions read side by side)
    for i in range(3):
        assert not detector.observe(key, hop - 4 * 60 + i, i + 1, i + 1).alert
    assert not detector.observe(key, hop + 60, 1, 1).alert  # H+1: the window H-3..H+1 holds only it
    late = [detector.observe(key, hop + i, i + 1, 4 + i) for i in range(2)]  # H: its window H-4..H holds 4, 5
    assert [reading.alert for reading in late] == [True, False]  # the fourth story of its window, min_count
    assert late[0].window_start == hop - 4 * 60
    assert detector.states[key]["r"] == [0, 0, 0, 2, 1]  # hops H-3 .. H+1
    assert detector.states[key]["n"] == 3  # the newest window: the H+1 story and the two late ones


def test_a_story_older_than_the_window_only_counts(config: SpikeConfig) -> None:
    detector = SpikeDetector(config, {})
    key = "topic:old"
    detector.observe(key, START + 3600, 2, 2)
    old = detector.observe(key, START + 3600 - config.window_seconds - 60, 9, 9)
    assert not old.alert
    assert detector.states[key]["r"][-1] == 2


def test_untracked_keys_get_no_state_until_their_window_has_track_min_count(config: SpikeConfig) -> None:
    detector = SpikeDetector(config, {})
    reading = detector.observe("topic:once", START, 1, 1)
    assert "topic:once" not in detector.states
    assert reading.expected == pytest.approx(config.prior_per_hour * config.window_seconds / 3600)
    detector.observe("topic:once", START + 5, config.track_min_count, config.track_min_count)
    assert "topic:once" in detector.states


def test_forget_drops_state_back_at_the_prior_and_keeps_the_rest(config: SpikeConfig) -> None:
    detector = SpikeDetector(config, {})
    feed = Feed(detector)
    feed.story("topic:faded", START)
    feed.story("topic:faded", START + 1)
    feed.steady("country:DE", START, 24, every=60)
    feed.story("topic:hot", START + 86400 - 100)
    feed.story("topic:hot", START + 86400 - 90)
    forgotten = detector.forget(list(detector.states), START + 86400)
    assert forgotten == 1
    assert set(detector.states) == {"country:DE", "topic:hot"}  # busy, and still in its window


def test_alert_size_grows_with_the_expected_level(config: SpikeConfig) -> None:
    detector = SpikeDetector(config, {})
    sizes = [detector.alert_size(expected) for expected in (0.01, 0.1, 1, 5, 25)]
    assert sizes[0] == config.min_count
    assert sizes == sorted(sizes)
    assert sizes[-1] > 2 * 25


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hop_seconds": 70}, "divide"),
        ({"rearm_score": 7.0}, "hysteresis"),
        ({"track_min_count": 9}, "track_min_count"),
        ({"dispersion": 0.0}, "positive"),
    ],
)
def test_config_is_checked(config: SpikeConfig, change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(config, **change)


@given(first=st.integers(0, 3 * 86400 // 60).map(lambda i: START + i * 60), hops=st.integers(0, 5000))
def test_hops_by_hour_counts_every_hop_once(first: int, hops: int) -> None:
    expected = Counter((first + i * 60) // 3600 % 24 for i in range(hops))
    assert _hops_by_hour(first, hops, 60) == [expected[hour] for hour in range(24)]
