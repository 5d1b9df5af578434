"""Spike detection on a simulated wire: every burst the configuration promises to catch is alerted within two
windows, a wire without bursts raises no alert over two days, and the figures for the README (detection delay,
precision, recall, memory of the state per thousand keys) are printed (`pytest -s`).

The wire: 60 keys (countries, actors and topics in turn) at 0.2 to 120 stories an hour with hour-of-day swings up to
±80 %, replayed after a day of warm-up (a detector starting from nothing alerts on every busy key once: the
worker keeps its baselines in changelogs, so that happens once per deployment). A burst adds, over one to four
minutes, one to two times the stories that alert at its key's level then (`SpikeDetector.alert_size`: the
"configured size", from min_count, threshold and dispersion).
"""

from __future__ import annotations

import json
import statistics
import tracemalloc
from collections.abc import Iterator

import pytest

from pipeline.spikes.alert import spike_key
from pipeline.spikes.config import SpikeConfig, load_config
from pipeline.spikes.detector import KeyState, SpikeDetector
from pipeline.spikes.mentions import WindowStories, add_story
from tools import simulator

START = 1793491200.0  # 2026-11-01T00:00:00Z
WARMUP_HOURS = 24
KEYS = 60
HEADLINE = "Officials in the capital say talks on the new accord will resume next week after delay"  # 84 chars


@pytest.fixture(scope="module")
def config() -> SpikeConfig:
    return load_config()


@pytest.fixture(scope="module")
def keys() -> list[simulator.Background]:
    return simulator.backgrounds(KEYS, seed=11, high=120.0)


@pytest.fixture(scope="module")
def burst_run(config: SpikeConfig, keys: list[simulator.Background]):
    detector = SpikeDetector(config, {})
    scored_from = START + WARMUP_HOURS * 3600
    bursts = simulator.place_bursts(keys, detector, start=scored_from, hours=24, count=40, seed=12)
    stories = simulator.simulate(keys, bursts, start=START, hours=WARMUP_HOURS + 24, seed=13)
    alerts = [alert for alert in simulator.replay(stories, detector) if alert.at >= scored_from]
    return detector, bursts, stories, alerts


def test_every_burst_of_the_configured_size_is_alerted_within_two_windows(config: SpikeConfig, burst_run) -> None:
    _, bursts, _, alerts = burst_run
    evaluation = simulator.evaluate(bursts, alerts, config.window_seconds)
    delays = sorted(evaluation.delays)
    print(
        f"\nspike detection, {len(bursts)} bursts over 24 simulated hours, {KEYS} keys: "
        f"recall {evaluation.recall:.3f}, precision {evaluation.precision:.3f} "
        f"({evaluation.true_alerts}/{evaluation.alerts} alerts), delay from burst start median "
        f"{statistics.median(delays):.0f} s, 90th percentile {delays[int(0.9 * (len(delays) - 1))]:.0f} s, "
        f"max {delays[-1]:.0f} s (window {config.window_seconds} s)"
    )
    assert evaluation.recall == 1.0, "a burst of the configured size went unalerted for two windows"
    assert max(evaluation.delays) <= 2 * config.window_seconds
    assert evaluation.precision >= 0.95


def test_one_burst_gives_one_alert(burst_run) -> None:
    _, bursts, _, alerts = burst_run
    for burst in bursts:
        key = spike_key(burst.kind, burst.key)
        during = [a for a in alerts if a.key == key and burst.start <= a.at <= burst.start + 3600]
        assert len(during) == 1, (burst, during)


def test_no_alert_on_a_wire_without_bursts_over_two_days(config: SpikeConfig, keys) -> None:
    detector = SpikeDetector(config, {})
    stories = simulator.simulate(keys, [], start=START, hours=WARMUP_HOURS + 48, seed=14)
    alerts = simulator.replay(stories, detector)
    scored = [alert for alert in alerts if alert.at >= START + WARMUP_HOURS * 3600]
    print(
        f"\nno bursts: {len(stories)} stories, {len(alerts) - len(scored)} alerts in the first day (cold start), "
        f"{len(scored)} in the 48 hours after"
    )
    assert scored == []


def test_memory_of_the_state_per_thousand_keys(config: SpikeConfig, burst_run) -> None:
    detector, _, stories, _ = burst_run
    states: dict[str, KeyState] = dict(detector.states)
    seasonal = sum(1 for state in states.values() if "hs" in state)
    state_json = sum(len(json.dumps(state)) for state in states.values()) / len(states)
    state_python = _allocated(lambda: json.loads(json.dumps(states))) / len(states)

    windows = dict(_live_windows(stories, stories[-1].at, config))
    per_key: dict[str, int] = {}
    for key, _ in windows:
        per_key[key] = per_key.get(key, 0) + 1
    window_json = sum(len(json.dumps([key, window])) for key, window in windows.items()) / len(per_key)
    window_python = _allocated(lambda: json.loads(json.dumps(list(windows.items())))) / len(per_key)
    stories_per_window = statistics.mean(len(window["stories"]) for window in windows.values())
    print(
        f"\nmemory per thousand keys: detector state {state_python * 1000 / 2**20:.2f} MiB in Python, "
        f"{state_json * 1000 / 2**20:.2f} MiB as changelog JSON ({len(states)} keys, {seasonal} with an hourly "
        f"profile); windowed counts {window_python * 1000 / 2**20:.2f} MiB in Python, "
        f"{window_json * 1000 / 2**20:.2f} MiB as JSON ({len(per_key)} keys with stories in the last window, "
        f"{stories_per_window:.1f} stories a window)"
    )
    assert state_python * 1000 < 8 * 2**20
    assert window_python * 1000 < 16 * 2**20


def _allocated(build) -> float:
    """Bytes still allocated by what `build` returns."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del kept
    return after - before


def _live_windows(
    stories: list[simulator.SimulatedStory], now: float, config: SpikeConfig
) -> Iterator[tuple[tuple[str, float], WindowStories]]:
    """The hopping-window values the Faust table holds at `now` (windows not yet expired), built as the worker
    builds them: each story added to every window that contains it."""
    windows: dict[tuple[str, float], WindowStories] = {}
    for story in stories:
        if story.at < now - config.window_seconds:
            continue
        first = (story.at // config.hop_seconds) * config.hop_seconds - config.window_seconds + config.hop_seconds
        for i in range(config.buckets_per_window):
            name = (spike_key(story.kind, story.key), first + i * config.hop_seconds)
            story_value = [0.9, story.story_id, HEADLINE, story.at]
            windows[name] = add_story(windows.get(name, {}), story_value, keep=config.top_stories)
    yield from windows.items()
