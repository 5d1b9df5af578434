"""IPTC ninjs JSON: 1.x with body_text or body_html, 2.x with headlines/bodies, and what is refused."""

import json

import pytest

from pipeline.parse import Rejected, parse
from pipeline.process import items_from_paths
from pipeline.raw import RawItem
from pipeline.record import StoryRecord
from tests.conftest import ROOT

RAW = ROOT / "tests" / "data" / "raw"


def sample(name: str) -> StoryRecord:
    _, item = next(items_from_paths([RAW / name], source="wire"))
    return parse(item, max_bytes=1_000_000)


def ninjs(doc: object) -> StoryRecord:
    return parse(RawItem("k", json.dumps(doc).encode(), "wire", "application/json", "test"), max_bytes=100_000)


def test_body_text_story() -> None:
    record = sample("ninjs-text.json")
    assert record.headline == "Belgian government agrees 2027 budget after marathon talks"
    assert record.authors == ["Pieter Janssens", "Els De Smet"]  # "By" and the agency credit dropped
    assert record.dateline.place == "BRUSSELS"
    assert record.source.agency == "Sample Wire"
    assert len(record.body) == 6
    assert record.body[0].startswith("Belgium's five-party coalition agreed a budget")  # dateline stripped
    assert (
        record.body[-1] == "The budget still needs approval by parliament, where the coalition holds 81 of 150 seats."
    )
    assert record.captions == [
        "Belgian Prime Minister Bart De Wever speaks to reporters after budget talks in Brussels, Belgium, "
        "November 20, 2026."
    ]
    assert record.comments == []
    assert record.language == "en"  # declared en-GB
    assert record.published_at == "2026-11-20T10:02:00+00:00"  # versioncreated, in UTC


def test_body_html_story() -> None:
    record = sample("ninjs-html.json")
    assert record.headline == "Italian rail workers strike over pay, halting trains across the country"
    assert record.authors == ["Sofia Marin", "Luca Bianchi"]
    assert record.dateline.place == "ROME"  # no `located`: the dateline's place
    assert len(record.body) == 6
    assert record.body[0].startswith("Italian rail workers held a 24-hour strike on Wednesday")
    assert record.body[4] == (
        "\u201cOur members have not had a real pay rise in a decade,\u201d said Marco Ferri of the Filt-Cgil union. "
        "\u201cInflation has eaten everything.\u201d"
    )
    assert record.captions[0].startswith("Passengers look at a departures board")
    assert all("Roma Termini" not in paragraph for paragraph in record.body)
    assert record.language == "en"  # none declared: detected
    assert record.published_at == "2026-11-19T16:20:00+00:00"  # firstcreated when versioncreated is missing


def test_story_id_comes_from_the_uri() -> None:
    first = sample("ninjs-text.json")
    again = ninjs(json.loads((RAW / "ninjs-text.json").read_text()))
    assert first.story_id == again.story_id


def test_ninjs_2_headlines_bodies_and_by() -> None:
    record = ninjs(
        {
            "uri": "urn:x:2",
            "headlines": [{"role": "main", "value": "Dutch court orders new vote count in Utrecht"}],
            "by": "Joost van Dam",
            "bodies": [
                {"role": "main", "contenttype": "text/html", "value": "<p>A Dutch court ordered a recount.</p>"}
            ],
            "language": "nl-NL",
        }
    )
    assert record.headline == "Dutch court orders new vote count in Utrecht"
    assert record.authors == ["Joost van Dam"]
    assert record.body == ["A Dutch court ordered a recount."]
    assert record.language == "nl"


def test_description_text_is_the_body_of_a_short_item() -> None:
    record = ninjs({"headline": "FLASH: Earthquake hits Crete", "description_text": "A strong earthquake hit Crete."})
    assert record.body == ["A strong earthquake hit Crete."]


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ({"headline": 5, "body_text": ["not", "text"]}, "missing_fields"),
        ({"headline": "A headline", "body_text": "   \n  "}, "missing_fields"),
        ("just a string", "malformed_json"),
        (None, "malformed_json"),
    ],
)
def test_json_without_a_story_is_refused(doc: object, reason: str) -> None:
    with pytest.raises(Rejected) as caught:
        ninjs(doc)
    assert caught.value.reason == reason


def test_a_story_without_a_headline_gets_one_from_its_lede() -> None:
    record = ninjs({"headline": "", "body_text": "Floods cut the main road to the port on Monday. Rain goes on."})
    assert record.headline == "Floods cut the main road to the port on Monday"
    assert record.headline_derived
    assert record.body == ["Floods cut the main road to the port on Monday. Rain goes on."]


def test_truncated_json_says_so() -> None:
    with pytest.raises(Rejected) as caught:
        sample("bad/truncated.json")
    assert caught.value.reason == "malformed_json"
    assert "truncated" in caught.value.detail
