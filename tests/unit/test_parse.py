import json

import pytest

from pipeline.parse import Rejected, parse
from pipeline.raw import RawItem
from tests.conftest import SAMPLES


def ninjs_item(doc: object, **overrides: object) -> RawItem:
    fields = {
        "key": "k1",
        "value": json.dumps(doc).encode(),
        "source": "sample-wire",
        "content_type": "application/json",
        "connector": "replay",
    }
    fields.update(overrides)
    return RawItem(**fields)  # type: ignore[arg-type]


def test_ninjs_story_becomes_a_record() -> None:
    doc = json.loads(SAMPLES.read_text().splitlines()[2])
    record = parse(ninjs_item(doc), max_bytes=100_000)
    assert record.headline == "North Korea fires ballistic missile into sea, Seoul says"
    assert record.body[0].startswith("North Korea fired a short-range ballistic missile")
    assert len(record.body) == 4
    assert record.authors == ["Min-jung Park"]
    assert record.dateline.place == "SEOUL"
    assert record.published_at == "2026-11-20T02:40:00+00:00"
    assert record.source.agency == "Sample Wire"
    assert record.source.publisher == "sample-wire"
    assert record.sources == [record.source]


def test_story_id_is_stable_per_source_item_and_differs_across_sources() -> None:
    doc = {"uri": "urn:x:1", "headline": "H", "body_text": "Para one."}
    first = parse(ninjs_item(doc), max_bytes=10_000)
    again = parse(ninjs_item(doc, key="another-key"), max_bytes=10_000)
    other_source = parse(ninjs_item(doc, source="partner-site"), max_bytes=10_000)
    assert first.story_id == again.story_id
    assert first.story_id != other_source.story_id


def test_published_at_is_normalised_to_utc() -> None:
    doc = {"headline": "H", "body_text": "B", "versioncreated": "2026-11-20T10:00:00+02:00"}
    record = parse(ninjs_item(doc), max_bytes=10_000)
    assert (record.published_at, record.published_at_received) == ("2026-11-20T08:00:00+00:00", False)


def test_an_unreadable_time_is_replaced_by_the_time_received_and_says_so() -> None:
    doc = {"headline": "H", "body_text": "B", "versioncreated": "last Tuesday"}
    record = parse(ninjs_item(doc, received_at="2026-11-21T06:00:00+00:00"), max_bytes=10_000)
    assert (record.published_at, record.published_at_received) == ("2026-11-21T06:00:00+00:00", True)


def test_plain_text_first_line_is_the_headline() -> None:
    item = RawItem("k", b"Headline here\n\nFirst paragraph.\nSecond.", "s", "text/plain; charset=utf-8", "c")
    record = parse(item, max_bytes=10_000)
    assert record.headline == "Headline here"
    assert record.body == ["First paragraph.", "Second."]


@pytest.mark.parametrize(
    ("value", "content_type", "reason"),
    [
        (b"", "application/json", "empty"),
        (b'{"headline": "cut', "application/json", "malformed_json"),
        (b"[1, 2]", "application/json", "malformed_json"),
        (b'{"headline": "no body"}', "application/json", "missing_fields"),
        (b"\xff\xfe\x00garbag", "application/json", "bad_encoding"),  # UTF-16 BOM, then half a character
        (bytes(range(0x80, 0xE4)), "text/plain", "bad_encoding"),  # high bytes no charset reads as text
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/plain", "binary"),
        (b"only a headline", "text/plain", "empty"),
        (b"%PDF-1.7", "application/pdf", "unsupported_content_type"),
        (b"x" * 101, "text/plain", "too_large"),
    ],
)
def test_unreadable_items_are_rejected_with_a_reason(value: bytes, content_type: str, reason: str) -> None:
    with pytest.raises(Rejected) as caught:
        parse(RawItem("k", value, "s", content_type, "c"), max_bytes=100)
    assert caught.value.reason == reason
    assert caught.value.detail
