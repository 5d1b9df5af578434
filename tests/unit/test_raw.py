from pipeline.deadletter import HEADER_REASON, HEADER_STAGE, dead_letter_headers
from pipeline.raw import RawItem, item_key


def test_headers_round_trip_through_kafka_form() -> None:
    item = RawItem("key-1", b"payload", "agency-x", "application/json", "replay", url="https://example.org/a")
    back = RawItem.from_kafka(b"key-1", b"payload", item.headers())
    assert back == item


def test_missing_headers_get_explicit_unknowns() -> None:
    item = RawItem.from_kafka(None, None, None)
    assert item.key == ""
    assert item.value == b""
    assert item.source == "unknown"
    assert item.content_type == "application/octet-stream"


def test_item_key_is_stable_and_source_scoped() -> None:
    assert item_key("a", "1") == item_key("a", "1")
    assert item_key("a", "1") != item_key("b", "1")
    assert item_key("a", "1").startswith("a:")


def test_dead_letter_headers_keep_the_original_and_add_the_reason() -> None:
    original = [("source", b"agency-x")]
    headers = dict(dead_letter_headers(original, stage="parse", reason="empty", detail="x" * 5000))
    assert headers["source"] == b"agency-x"
    assert headers[HEADER_STAGE] == b"parse"
    assert headers[HEADER_REASON] == b"empty"
    assert len(headers["dlq-detail"]) == 2000
