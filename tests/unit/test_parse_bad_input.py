"""Bad input gets a reason code and a human detail; arbitrary bytes never raise anything but `Rejected`."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.parse import PARSERS, Rejected, parse
from pipeline.process import items_from_paths
from pipeline.raw import RawItem
from pipeline.record import StoryRecord
from tests.conftest import ROOT

RAW = ROOT / "tests" / "data" / "raw"
CONTENT_TYPES = [*PARSERS, "application/octet-stream", "", "text/html; charset=utf-8", "text/plain; charset=utf-16"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.json", "empty"),
        ("binary.txt", "binary"),
        ("truncated.json", "malformed_json"),
        ("truncated.xml", "malformed_xml"),
        ("malformed.xml", "malformed_xml"),
        ("entity-expansion.xml", "malformed_xml"),
        ("no-story.json", "missing_fields"),
        ("no-story.xml", "missing_fields"),
        ("utf16-odd-length.txt", "bad_encoding"),
    ],
)
def test_each_bad_sample_has_its_reason(name: str, reason: str) -> None:
    _, item = next(items_from_paths([RAW / "bad" / name], source="s"))
    with pytest.raises(Rejected) as caught:
        parse(item, max_bytes=1_000_000)
    assert caught.value.reason == reason
    assert len(caught.value.detail) > 10


def test_every_bad_sample_is_covered() -> None:
    names = {path.name for path in (RAW / "bad").iterdir()}
    assert len(names) == 9


@pytest.mark.parametrize(
    ("value", "content_type", "reason"),
    [
        (b"   \n\t  ", "text/plain", "empty"),
        (b"\xef\xbb\xbf  \n", "application/json", "empty"),
        (b"x" * 2001, "text/html", "too_large"),
        (b"<html><body></body></html>", "text/html", "empty"),
        (b"<html><body><h1>Only a headline here</h1></body></html>", "text/html", "empty"),
        (b"PK\x03\x04", "application/zip", "unsupported_content_type"),
    ],
)
def test_other_bad_items(value: bytes, content_type: str, reason: str) -> None:
    with pytest.raises(Rejected) as caught:
        parse(RawItem("k", value, "s", content_type, "c"), max_bytes=2000)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    "name",
    ["agency-page.html", "ninjs-text.json", "newsml-item.xml", "newsml-message-fr.xml", "text-latin1.txt"],
)
@pytest.mark.parametrize("content_type", ["application/octet-stream", ""])
def test_items_without_a_content_type_are_sniffed(name: str, content_type: str) -> None:
    _, typed = next(items_from_paths([RAW / name], source="s"))
    untyped = RawItem(typed.key, typed.value, "s", content_type, typed.connector, received_at=typed.received_at)
    assert _comparable(parse(untyped, max_bytes=1_000_000)) == _comparable(parse(typed, max_bytes=1_000_000))


def _comparable(record: StoryRecord) -> dict[str, object]:
    fields = record.to_dict()
    for varying in ("ingested_at", "content_type"):
        fields.pop(varying)
    return fields


def _parse_or_reject(value: bytes, content_type: str) -> None:
    try:
        record = parse(RawItem("k", value, "s", content_type, "c"), max_bytes=50_000)
    except Rejected as rejected:
        assert rejected.reason and rejected.detail
        return
    assert record.headline and record.body
    json.dumps(record.to_dict())


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise_anything_but_rejected(content_type: str, value: bytes) -> None:
    _parse_or_reject(value, content_type)


MARKUP = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<h1>",
        "</h1>",
        "<div class='comments'>",
        "<li class='comment'>",
        "</div>",
        "<figcaption>",
        "<newsItem xmlns='http://iptc.org/std/nar/2006-10-01/'>",
        "<contentMeta>",
        "<headline>",
        "</headline>",
        "<inlineXML>",
        "<body>",
        '{"headline": ',
        '"body_text": ',
        '"',
        ",",
        "}",
        "\n",
        "By ",
        "© ",
        "KYIV (AP) - ",
        "&amp;",
        "&#0;",
        "\x00",
        "\ufeff",
        "<!DOCTYPE x [<!ENTITY a 'b'>]>",
        "&a;",
        "<?xml version='1.0'?>",
    ]
)
NEAR_STORIES = st.lists(st.one_of(MARKUP, st.text(max_size=40)), max_size=60).map("".join)


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=NEAR_STORIES, encoding=st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1"]))
def test_story_like_input_never_raises_anything_but_rejected(content_type: str, text: str, encoding: str) -> None:
    _parse_or_reject(text.encode(encoding, errors="replace"), content_type)
