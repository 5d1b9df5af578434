"""The soak verdict (pure) and the synthetic stories it and the fault suite send."""

from __future__ import annotations

import json

import pytest

from pipeline.dedupe import Deduplicator, DedupStores, Outcome, load_config
from pipeline.process import process
from pipeline.raw import RawItem, item_key
from tools.soak import Limits, Sample, analyse, slope_per_minute, window_fill_seconds
from tools.synthetic import jsonl, ninjs_story


def run(worker: list[float], lag: list[int], connector: float = 50.0, step: float = 10.0) -> list[Sample]:
    return [
        Sample(seconds=n * step, worker_rss_mib=rss, connector_rss_mib=connector, lag=lag[n], written=0, indexed=0)
        for n, rss in enumerate(worker)
    ]


def test_slope_is_per_minute() -> None:
    assert slope_per_minute([(0, 100.0), (60, 110.0), (120, 120.0)]) == pytest.approx(10.0)
    assert slope_per_minute([(5, 1.0)]) == 0.0


def test_flat_memory_and_lag_after_the_warm_up_pass() -> None:
    warmup = [120.0, 180.0, 200.0]  # imports, automata, first batches: ignored
    steady = [205.0, 207.0, 204.0, 206.0, 205.0, 208.0, 206.0, 205.0, 207.0, 206.0, 205.0, 206.0]
    verdict = analyse(run(warmup + steady, [0, 300, 80, *[60, 90, 40] * 4]))
    assert verdict.ok, verdict.failures
    assert verdict.figures["worker_rss_mib"]["growth"] < 5


def test_memory_that_keeps_growing_fails() -> None:
    leaking = [200.0 + 8 * n for n in range(16)]
    verdict = analyse(run(leaking, [50] * 16))
    assert not verdict.ok
    assert "worker_rss_mib grew" in verdict.failures[0]
    assert verdict.figures["worker_rss_mib"]["slope_per_min"] == pytest.approx(48.0)


def test_a_single_spike_is_not_growth() -> None:
    rss = [200.0] * 15 + [200.0]
    rss[12] = 400.0
    assert analyse(run(rss, [10] * 16)).ok


def test_lag_that_keeps_growing_fails() -> None:
    verdict = analyse(run([200.0] * 16, [100 * n for n in range(16)]), Limits(lag_growth=500))
    assert not verdict.ok and "lag grew" in verdict.failures[0]


def test_a_window_still_filling_after_the_first_quarter_is_warm_up() -> None:
    """Memory that rises for the first half of the run and then stays flat: a window filling, judged from its end."""
    filling = [200.0 + 15 * n for n in range(10)] + [340.0] * 10
    assert not analyse(run(filling, [10] * 20)).ok  # the first quarter alone would call it growth
    verdict = analyse(run(filling, [10] * 20), Limits(warmup_seconds=100))
    assert verdict.ok, verdict.failures
    assert verdict.figures["worker_rss_mib"]["start"] == 340.0
    assert verdict.figures["warmup_seconds"] == 100


def test_window_fill_time_follows_the_spike_window() -> None:
    from pipeline.spikes.config import load_config

    config = load_config()
    assert window_fill_seconds() > config.window_seconds + config.hop_seconds


def test_too_short_a_run_is_no_verdict() -> None:
    verdict = analyse(run([200.0] * 3, [0] * 3))
    assert not verdict.ok and "too few samples" in verdict.failures[0]


@pytest.mark.parametrize("zipf", [False, True])
def test_synthetic_stories_are_distinct_stories_to_the_worker(zipf: bool) -> None:
    """Parsed and deduplicated as the worker does: every synthetic story is a new story, none folded."""
    deduplicator = Deduplicator(load_config(), DedupStores(stories={}, bands={}, fingerprints={}, items={}))
    outcomes = []
    for number in range(150):
        value = jsonl([ninjs_story("unit", number, zipf=zipf)]).strip()
        item = RawItem(item_key("unit", str(number)), value, "unit", "application/json", "replay")
        outcomes.append(deduplicator.dedupe(process(item, max_bytes=100_000)).outcome)
    assert outcomes == [Outcome.NEW] * 150


def test_synthetic_stories_are_deterministic() -> None:
    assert ninjs_story("a", 1) | {"versioncreated": ""} == ninjs_story("a", 1) | {"versioncreated": ""}
    assert ninjs_story("a", 1)["body_text"] != ninjs_story("a", 2)["body_text"]
    assert json.loads(jsonl([ninjs_story("a", 1)]))["uri"] == "urn:wirestream:synthetic:a:1"
