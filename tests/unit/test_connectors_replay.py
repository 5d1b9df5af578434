import hashlib
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from connectors.identity import story_id
from connectors.pace import Pacer, Progress
from connectors.replay import count_items, read_items, replay


def test_read_items_yields_offsets_and_skips_an_unfinished_last_line(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b'{"uri": "a"}\n\n{"uri": "b"}\n{"uri": "c"')
    items = list(read_items(path, 0, "src"))
    assert [item.value for item, _ in items] == [b'{"uri": "a"}', b'{"uri": "b"}']
    assert items[-1][1] == len(b'{"uri": "a"}\n\n{"uri": "b"}\n')
    resumed = list(read_items(path, items[0][1], "src"))
    assert [item.value for item, _ in resumed] == [b'{"uri": "b"}']


def test_keys_come_from_the_ninjs_uri_so_replays_agree(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b'{"uri": "a", "x": 1}\nnot json\n')
    first = [item.key for item, _ in read_items(path, 0, "src")]
    path.write_bytes(b'{"x": 2, "uri": "a"}\nnot json\n')
    second = [item.key for item, _ in read_items(path, 0, "src")]
    assert first == second


def test_story_id_is_the_uri_or_guid_else_a_digest_of_the_bytes() -> None:
    assert story_id(b'{"uri": "urn:x:1", "guid": "g"}') == "urn:x:1"
    assert story_id(b'{"guid": "g"}') == "g"
    for value in (b'{"uri": ""}', b"[1, 2]", b"not json", b"\xff\xfe"):
        assert story_id(value) == hashlib.sha1(value).hexdigest()


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def test_a_rate_spaces_stories_one_interval_apart() -> None:
    clock = Clock()
    pacer = Pacer(4, clock=clock)
    sent_at = []
    for _ in range(5):
        clock.now += pacer.wait()  # what `stop.wait(...)` does in the replay
        sent_at.append(clock.now)
        pacer.sent()
    assert sent_at == [500.0, 500.25, 500.5, 500.75, 501.0]
    assert Pacer(None, clock=clock).wait() == 0


def test_a_schedule_behind_catches_up_by_at_most_a_second_of_stories() -> None:
    clock = Clock()
    pacer = Pacer(10, clock=clock)
    pacer.wait()
    pacer.sent()
    clock.now += 0.35  # a slow Kafka commit: the stories it held up go at once, the average holds
    assert [_send(pacer) for _ in range(4)] == [0, 0, 0, 0.05]
    clock.now += 60  # a followed file that stayed quiet: the story due now and a second's worth, then the rate
    due = [_send(pacer) for _ in range(13)]
    assert due[:11] == [0] * 11
    assert due[11:] == [0.1, 0.1]


def _send(pacer: Pacer) -> float:
    wait = pacer.wait()
    pacer.clock.now += wait  # type: ignore[attr-defined]
    pacer.sent()
    return round(wait, 6)


def test_progress_says_done_of_total_rate_and_eta_at_most_every_five_seconds() -> None:
    clock = Clock()
    progress = Progress(1000, 5000, clock=clock)  # resumed: 1,000 done by an earlier run
    clock.now += 2
    assert progress.advance(200) is None
    clock.now += 3
    assert progress.advance(300) == "replay: 1,500 of 5,000 items (30.0%), 100.0 items/s, ETA 35s"
    clock.now += 4
    assert progress.advance(100) is None  # 4 s after the last line
    clock.now += 31
    assert progress.advance(3400) == "replay: 5,000 of 5,000 items (100.0%), 100.0 items/s, done in 40s"
    assert progress.sent == 4000


def test_progress_of_a_followed_file_grows_with_it_and_says_when_it_caught_up() -> None:
    clock = Clock()
    progress = Progress(0, 10, following=True, clock=clock)
    clock.now += 10
    assert progress.advance(10) == "replay: 10 of 10 items (100.0%), 1.0 items/s, caught up, following the file"
    progress.total = 30  # the file grew
    assert progress.line() == "replay: 10 of 30 items (33.3%), 1.0 items/s, ETA 20s"
    assert Progress(0, 0, clock=clock).line() == "replay: 0 of 0 items (-), 0.0 items/s, done in 0.0s"


def test_items_are_counted_as_read_items_yields_them(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b'{"uri": "a"}\n\n  \n{"uri": "b"}\n{"uri": "c"}\n{"uri": "d"')
    ends = [offset for _, offset in read_items(path, 0, "src")]
    assert count_items(path, 0) == len(ends) == 3
    assert [count_items(path, 0, end) for end in ends] == [1, 2, 3]
    assert count_items(path, ends[0]) == 2
    assert count_items(path, ends[0], ends[0] + 3) == 0  # a line cut by the end is not counted


class Publisher:
    """Stands in for KafkaPublisher: each batch with the offset it reaches and when it came."""

    def __init__(self, committed: int = 0) -> None:
        self.batches: list[tuple[int, int, float]] = []
        self.offset = committed

    def committed(self) -> dict[str, Any]:
        return {}

    def publish(self, items: list[Any], position: dict[str, dict[str, int]]) -> None:
        (reached,) = position.values()
        self.batches.append((len(items), reached["offset"], time.monotonic()))


def test_a_paced_replay_sends_each_story_at_its_time_each_in_a_transaction_with_its_offset(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"".join(b'{"uri": "%d"}\n' % n for n in range(6)))
    publisher = Publisher()
    started = time.monotonic()
    assert replay(path, publisher, source="src", batch_size=200, rate=40) == 6  # type: ignore[arg-type]
    assert [size for size, _, _ in publisher.batches] == [1] * 6  # publishing is instant: no story waits for another
    assert [offset for _, offset, _ in publisher.batches] == [len(b'{"uri": "0"}\n') * n for n in range(1, 7)]
    gaps = [b[2] - a[2] for a, b in zip(publisher.batches, publisher.batches[1:], strict=False)]
    assert min(gaps) >= 0.02
    assert publisher.batches[-1][2] - started >= 5 / 40


def test_an_unpaced_replay_sends_full_batches_and_logs_where_it_ended(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"".join(b'{"uri": "%d"}\n' % n for n in range(7)))
    publisher = Publisher()
    with caplog.at_level(logging.INFO, logger="connectors.replay"):
        assert replay(path, publisher, source="src", batch_size=3) == 7  # type: ignore[arg-type]
    assert [size for size, _, _ in publisher.batches] == [3, 3, 1]
    assert caplog.messages[-1].startswith("replay: 7 of 7 items (100.0%), ")
