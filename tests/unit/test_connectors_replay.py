import hashlib
from pathlib import Path

from connectors.identity import story_id
from connectors.replay import read_items


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
