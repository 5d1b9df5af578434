"""The one reading of story times (pipeline/times.py) that parsing and dedup share."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.times import parse_time

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-20T12:00:00+00:00",
        "2026-11-20T12:00:00Z",
        "2026-11-20T14:00:00+02:00",
        "2026-11-20T12:00:00",  # no zone: UTC
        "  2026-11-20T12:00:00Z\n",
        "Fri, 20 Nov 2026 12:00:00 GMT",  # RSS
        "Fri, 20 Nov 2026 07:00:00 -0500",
    ],
)
def test_iso_and_rss_times_read_as_the_same_moment_in_utc(text: str) -> None:
    moment = parse_time(text)
    assert moment == NOON
    assert moment is not None and moment.tzinfo is UTC


@pytest.mark.parametrize("value", [None, "", "   ", "yesterday", "2026-13-45", 1_795_000_000, ["2026-11-20"]])
def test_missing_unreadable_or_non_string_times_are_none(value: object) -> None:
    assert parse_time(value) is None


def test_a_time_its_offset_pushes_out_of_range_is_none() -> None:
    assert parse_time("0001-01-01T00:00:00+01:00") is None
    assert parse_time("9999-12-31T23:59:59-01:00") is None
