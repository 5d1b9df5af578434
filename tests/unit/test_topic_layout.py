"""The worker's topic layout check: stories.parsed must exist with exactly one partition (one dedup table)."""

from __future__ import annotations

import pytest

from pipeline.topic_layout import layout_problems

PARSED = "stories.parsed"


def test_one_parsed_partition_is_fine_whatever_the_other_topics_have() -> None:
    assert layout_problems({PARSED: 1, "stories.raw": 4, "stories.enriched": 12}, PARSED) == []


@pytest.mark.parametrize("partitions", [2, 4, 12])
def test_more_than_one_parsed_partition_is_refused_with_the_count_and_the_way_out(partitions: int) -> None:
    [problem] = layout_problems({PARSED: partitions, "stories.raw": 4}, PARSED)
    assert f"{PARSED} has {partitions} partitions" in problem
    assert "exactly 1" in problem and "wirestream topics" in problem


def test_a_missing_parsed_topic_is_refused_rather_than_left_to_broker_auto_creation() -> None:
    [problem] = layout_problems({"stories.raw": 4}, PARSED)
    assert f"{PARSED} does not exist" in problem and "wirestream topics" in problem


def test_the_topic_checked_is_the_configured_one() -> None:
    assert layout_problems({"run1.stories.parsed": 1, PARSED: 4}, "run1.stories.parsed") == []
    assert layout_problems({"run1.stories.parsed": 3, PARSED: 1}, "run1.stories.parsed")
