from connectors.position import covers, fold, record_key, records


def test_records_fold_back_into_the_position_with_tombstones_removing_parts() -> None:
    first = records("raw", "watch-in", {"a.txt": {"sha1": "1"}, "b.txt": {"sha1": "2"}})
    second = records("raw", "watch-in", {"a.txt": None, "c.txt": {"sha1": "3"}})
    assert fold("raw", "watch-in", [*first, *second]) == {"b.txt": {"sha1": "2"}, "c.txt": {"sha1": "3"}}


def test_fold_keeps_only_the_instance_and_target_topic_asked_for() -> None:
    stored = [
        *records("raw", "feeds", {"world": {"etag": "x"}}),
        *records("raw", "feeds-2", {"world": {"etag": "other instance"}}),
        *records("other-raw", "feeds", {"world": {"etag": "other topic"}}),
        (b"not a position key", b"{}"),
    ]
    assert fold("raw", "feeds", stored) == {"world": {"etag": "x"}}


def test_keys_cannot_collide_whatever_the_names_contain() -> None:
    assert record_key("raw", "a/b", "c") != record_key("raw", "a", "b/c")
    assert record_key("raw", 'a"', "b") != record_key("raw", "a", '"b')


def test_covers_tells_whether_a_batch_position_was_committed() -> None:
    committed = fold("raw", "replay", records("raw", "replay", {"/data/s.jsonl": {"offset": 400}}))
    assert covers(committed, {"/data/s.jsonl": {"offset": 400}})
    assert not covers(committed, {"/data/s.jsonl": {"offset": 800}})
    assert covers(committed, {"gone.txt": None})
    assert not covers(committed, {"/data/s.jsonl": None})
    # values are compared as they come back from JSON: tuples are lists there
    feed = fold("raw", "feeds", records("raw", "feeds", {"w": {"sent": [("id", "v")]}}))
    assert covers(feed, {"w": {"sent": [("id", "v")]}})
