"""Dead-letter records read back (pipeline/dlq.py): what `wirestream dlq` lists, shows, picks and replays."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from pipeline.deadletter import dead_letter_headers
from pipeline.dlq import LIST_DETAIL_CHARS, DeadLetter, parse_position, select
from pipeline.raw import RawItem

ITEM = RawItem(
    "wire:abc",
    b'{"uri": "urn:x:1", "headline": ',
    "wire",
    "application/json",
    "replay",
    received_at="2026-11-20T09:00:00.000+00:00",
    origin="file:/data/s.jsonl line:7",
)


def letter(
    item: RawItem = ITEM, *, stage: str = "parse", reason: str = "malformed_json", offset: int = 0
) -> DeadLetter:
    """A dead letter as the worker writes it (pipeline/app.py `_dead_letter`), read back from a consumed record."""
    headers = item.headers() if stage == "parse" else []  # dedup and index dead letters carry no raw headers
    dead = dead_letter_headers(headers, stage=stage, reason=reason, detail="Expecting value: line 1 column 32")
    record = SimpleNamespace(partition=2, offset=offset, key=item.key.encode(), value=item.value, headers=dead)
    return DeadLetter.from_record(record)


def test_summary_says_where_the_record_is_why_it_is_there_and_where_it_came_from() -> None:
    summary = letter().summary()
    at = summary.pop("at")
    assert at.startswith("20")
    assert summary == {
        "partition": 2,
        "offset": 0,
        "key": "wire:abc",
        "stage": "parse",
        "reason": "malformed_json",
        "detail": "Expecting value: line 1 column 32",
        "origin": "file:/data/s.jsonl line:7",
        "source": "wire",
        "size": len(ITEM.value),
    }


def test_summary_shortens_a_long_detail_and_a_record_without_headers_has_none() -> None:
    dead = dead_letter_headers([], stage="index", reason="mapper_parsing_exception", detail="x" * 1000)
    long = DeadLetter.from_record(SimpleNamespace(partition=0, offset=5, key=None, value=None, headers=dead))
    assert len(long.summary()["detail"]) == LIST_DETAIL_CHARS + 1
    bare = DeadLetter.from_record(SimpleNamespace(partition=0, offset=6, key=None, value=b"", headers=None))
    assert {bare.summary()[name] for name in ("key", "stage", "reason", "origin", "source", "detail")} == {None}


def test_show_gives_every_header_and_a_text_payload() -> None:
    shown = letter().details()
    assert shown["headers"]["origin"] == "file:/data/s.jsonl line:7"
    assert shown["headers"]["dlq-reason"] == "malformed_json"
    assert shown["payload"] == ITEM.value.decode()
    assert shown["size"] == len(ITEM.value)


def test_show_gives_length_and_hex_preview_of_a_payload_that_is_not_utf8() -> None:
    binary = RawItem("k", bytes(range(256)) * 2, "wire", "application/octet-stream", "watch")
    shown = letter(binary).details()
    assert "payload" not in shown
    assert shown["size"] == 512
    assert shown["payload_hex_preview"].startswith("00 01 02 03")
    assert len(shown["payload_hex_preview"].split()) == 64


def test_only_parse_dead_letters_are_replayable_and_they_get_back_the_connectors_headers() -> None:
    parse = letter()
    assert parse.why_not_replayable() is None
    assert not [name for name, _ in parse.replay_headers() if name.startswith("dlq-")]
    assert RawItem.from_kafka(parse.key, parse.value, parse.replay_headers()) == ITEM
    assert parse.replay_report(dry_run=False)["replayed"] is True
    assert parse.replay_report(dry_run=True)["would_replay"] is True

    for stage in ("dedup", "index"):
        refused = letter(stage=stage, reason=f"{stage}_error")
        why = refused.why_not_replayable()
        assert why and stage in why and "not the raw item" in why
        report = refused.replay_report(dry_run=False)
        assert report["skipped"] == why and "replayed" not in report
    unmarked = DeadLetter(0, 0, None, b"x", (("source", b"wire"),))
    assert "no dlq-stage header" in (unmarked.why_not_replayable() or "")


def test_select_filters_by_reason_and_stage_and_stops_reading_at_the_limit() -> None:
    letters = [
        letter(offset=0),
        letter(offset=1, reason="empty"),
        letter(offset=2, stage="index", reason="mapper_parsing_exception"),
        letter(offset=3),
    ]
    offsets = lambda chosen: [each.offset for each in chosen]  # noqa: E731
    assert offsets(select(letters)) == [0, 1, 2, 3]
    assert offsets(select(letters, reason="malformed_json")) == [0, 3]
    assert offsets(select(letters, stage="parse", reason="empty")) == [1]
    assert offsets(select(letters, stage="index")) == [2]
    assert offsets(select(letters, stage="parse", limit=2)) == [0, 1]

    read: list[int] = []

    def reading() -> Iterator[DeadLetter]:
        for each in letters:
            read.append(each.offset)
            yield each

    assert offsets(select(reading(), reason="malformed_json", limit=1)) == [0]
    assert read == [0]  # the topic is not read past the last record wanted


def test_positions_are_two_whole_numbers() -> None:
    assert parse_position("0:42") == (0, 42)
    assert parse_position(" 3:0 ") == (3, 0)
    for bad in ("", "1", "1:", ":1", "a:1", "1:-2", "1:2:3", "1.0:2", "\u0661:\u0662"):
        with pytest.raises(ValueError, match="PARTITION:OFFSET"):
            parse_position(bad)
