"""What feeds and leaves the spike detector: mentions of new stories, window values, alert records, the
leaderboard behind the Prometheus gauges, the simulator and `wirestream simulate`."""

from __future__ import annotations

import argparse
import functools
import json

import pytest
from prometheus_client import REGISTRY

from pipeline.spikes.alert import AlertStory, Kind, SpikeAlert
from pipeline.spikes.config import load_config
from pipeline.spikes.detector import Reading
from pipeline.spikes.leaderboard import Leaderboard
from pipeline.spikes.mentions import Mention, add_story, count, mentions, merged, top_stories
from pipeline.spikes.metrics import SpikeGauges
from pipeline.spikes.terms import TermExtractor
from tools import simulator
from tools.simulate import register

AT = 1795752000.0  # 2026-11-27T04:00:00Z


@pytest.fixture(scope="module")
def extractor() -> TermExtractor:
    return TermExtractor.from_config(load_config())


def record(outcome: str = "new") -> dict:
    return {
        "story_id": "wire:1",
        "headline": "Ukraine says drones hit fuel depot in Russia's Kursk region",
        "body": ["Ukrainian drones struck a fuel depot overnight, Ukraine's General Staff said."],
        "published_at": "2026-11-27T03:59:00Z",
        "ingested_at": "2026-11-27T04:00:00.000Z",
        "language": "en",
        "countries": [
            {"code": "UA", "name": "Ukraine", "score": 0.93, "evidence": {"surfaces": ["Ukraine", "Ukrainian"]}},
            {"code": "RU", "name": "Russia", "score": 0.62, "evidence": {"surfaces": ["Russia"]}},
            {"code": "US", "name": "United States", "score": 0.1, "evidence": {"surfaces": ["U.S."]}},
        ],
        "actors": [{"id": "ua-general-staff", "name": "General Staff", "score": 0.41, "evidence": {"surfaces": []}}],
        "dedup": {"outcome": outcome, "matched": None},
    }


def test_a_new_story_counts_toward_its_countries_actors_and_terms(extractor: TermExtractor) -> None:
    found = mentions(record(), extractor, min_tag_score=0.4)
    keys = [mention.spike_key for mention in found]
    assert keys[:3] == ["country:UA", "country:RU", "actor:ua-general-staff"]  # US is only mentioned in passing
    assert "topic:fuel depot" in keys and "topic:kursk region" in keys
    assert not any(key in keys for key in ("topic:ukraine", "topic:russia", "topic:ukrainian"))  # tagged names
    assert {mention.at for mention in found} == {AT}
    assert found[0] == Mention(Kind.COUNTRY, "UA", "Ukraine", "wire:1", record()["headline"], 0.93, AT)


@pytest.mark.parametrize("outcome", ["update", "duplicate", "redelivery"])
def test_only_new_stories_count(extractor: TermExtractor, outcome: str) -> None:
    assert mentions(record(outcome), extractor, min_tag_score=0.4) == []


def test_mention_messages_round_trip(extractor: TermExtractor) -> None:
    found = mentions(record(), extractor, min_tag_score=0.4)
    assert len(found) > 1
    assert Mention.from_json(Mention.to_json(found)) == found


def test_a_window_is_the_union_of_its_hops() -> None:
    add = functools.partial(add_story, keep=2)
    first = add(add({}, [0.5, "a", "A", AT]), [0.9, "b", "B", AT + 10])
    second = add(add({}, [0.7, "c", "C", AT + 70]), [0.9, "b", "B", AT + 10])  # b redelivered in a later hop
    window = merged([second, first, {}], keep=2)
    assert count(window) == 3
    assert count(window, since=AT + 60) == 1
    assert top_stories(window) == [AlertStory("b", "B"), AlertStory("c", "C")]


def test_a_window_counts_distinct_stories_and_keeps_the_most_relevant() -> None:
    add = functools.partial(add_story, keep=2)
    window = add({}, [0.5, "a", "A", AT])
    window = add(window, [0.9, "b", "B", AT + 70])
    window = add(window, [0.5, "a", "A", AT])  # delivered twice: one story
    window = add(window, [0.7, "c", "C", AT + 80])
    assert count(window) == 3
    assert count(window, since=AT + 60) == 2  # those of the hop from AT + 60 on
    assert top_stories(window) == [AlertStory("b", "B"), AlertStory("c", "C")]
    assert json.loads(json.dumps(window)) == window


def reading(score: float, at: float = AT, active: bool = False, alert: bool = False) -> Reading:
    return Reading("country:UA", at, AT - 240, AT + 60, 9, 0.5, score, alert, active)


def test_the_alert_record() -> None:
    alert = SpikeAlert.from_reading(Kind.COUNTRY, "UA", "Ukraine", reading(11.234, AT + 12.5), [AlertStory("a", "A")])
    assert alert.to_dict() == {
        "alert_id": "country:UA@2026-11-27T04:00:12.500Z",
        "kind": "country",
        "key": "UA",
        "name": "Ukraine",
        "window_start": "2026-11-27T03:56:00.000Z",
        "window_end": "2026-11-27T04:01:00.000Z",
        "observed": 9,
        "expected": 0.5,
        "score": 11.23,
        "raised_at": "2026-11-27T04:00:12.500Z",
        "stories": [{"story_id": "a", "headline": "A"}],
    }


def test_the_leaderboard_keeps_the_best_keys_of_the_last_window() -> None:
    board = Leaderboard(size=2, window_seconds=300)
    board.update(Kind.TOPIC, "low", reading(1.0))
    board.update(Kind.TOPIC, "high", reading(9.0, active=True))
    board.update(Kind.COUNTRY, "mid", reading(4.0, at=AT - 200))
    assert [standing.key for standing in board.top(AT + 10)] == ["high", "mid"]
    assert [standing.key for standing in board.top(AT + 150)] == ["high", "low"]  # "mid" left the window
    assert board.top(AT + 301) == []


def test_gauges_show_the_top_keys_only_and_drop_those_that_leave() -> None:
    board = Leaderboard(size=1, window_seconds=300)
    gauges = SpikeGauges()
    board.update(Kind.TOPIC, "gauge-test-a", reading(9.0, active=True))
    board.update(Kind.TOPIC, "gauge-test-b", reading(2.0))
    gauges.publish(board.top(AT))

    def sample(name: str, key: str) -> float | None:
        return REGISTRY.get_sample_value(name, {"kind": "topic", "key": key})

    assert sample("wirestream_spike_score", "gauge-test-a") == 9.0
    assert sample("wirestream_spike_active", "gauge-test-a") == 1.0
    assert sample("wirestream_spike_observed_stories", "gauge-test-a") == 9.0
    assert sample("wirestream_spike_score", "gauge-test-b") is None
    gauges.publish(board.top(AT + 301))
    assert sample("wirestream_spike_score", "gauge-test-a") is None


def test_the_simulator_is_deterministic_and_injects_what_it_says() -> None:
    keys = simulator.backgrounds(6, seed=3)
    bursts = [simulator.Burst(keys[0].kind, keys[0].key, AT + 3600, 25, 120.0)]
    first = simulator.simulate(keys, bursts, start=AT, hours=3, seed=4)
    assert first == simulator.simulate(keys, bursts, start=AT, hours=3, seed=4)
    assert first != simulator.simulate(keys, bursts, start=AT, hours=3, seed=5)
    in_burst = [story for story in first if story.burst == 0]
    assert len(in_burst) == 25
    assert all(AT + 3600 <= story.at < AT + 3720 and story.key == keys[0].key for story in in_burst)
    assert [story.at for story in first] == sorted(story.at for story in first)
    expected = sum(background.expected(AT, 3 * 3600) for background in keys)
    assert abs(len(first) - 25 - expected) < 4 * expected**0.5  # Poisson background


def test_simulated_stories_are_enriched_records(extractor: TermExtractor) -> None:
    keys = simulator.backgrounds(3, seed=3)
    stories = simulator.simulate(keys, [], start=AT, hours=6, seed=4)
    for story in stories[:30]:
        found = mentions(story.record(), extractor, min_tag_score=0.4)
        assert story.kind is Kind.TOPIC or found[0].spike_key == f"{story.kind}:{story.key}"
        assert any(mention.spike_key == f"{story.kind}:{story.key}" for mention in found)


def test_wirestream_simulate(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["simulate", "--keys", "12", "--warmup-hours", "12", "--hours", "6", "--bursts", "4"])
    assert args.handler(args) == 0
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert summary["bursts"] == 4
    assert summary["recall"] == 1.0
    assert summary["delay_max_seconds"] <= 600
