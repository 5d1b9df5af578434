from pathlib import Path

from connectors.replay import ReplayPosition, read_items


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


def test_position_is_per_file(tmp_path: Path) -> None:
    position = ReplayPosition(tmp_path / "state" / "pos.json")
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert position.load(a) == 0
    position.save(a, 42)
    assert position.load(a) == 42
    assert position.load(b) == 0
