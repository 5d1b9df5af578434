"""NewsML-G2: news items and messages, parsed without expanding entities or loading anything."""

import time

import pytest

from pipeline.parse import Rejected, parse
from pipeline.process import items_from_paths
from pipeline.raw import RawItem
from pipeline.record import StoryRecord
from tests.conftest import ROOT

RAW = ROOT / "tests" / "data" / "raw"
G2 = 'xmlns="http://iptc.org/std/nar/2006-10-01/"'


def sample(name: str) -> StoryRecord:
    _, item = next(items_from_paths([RAW / name], source="wire"))
    return parse(item, max_bytes=1_000_000)


def xml(text: str) -> StoryRecord:
    return parse(RawItem("k", text.encode(), "wire", "application/xml", "test"), max_bytes=100_000)


def test_news_item() -> None:
    record = sample("newsml-item.xml")
    assert record.headline == "ECB's Lagarde says inflation fight not over despite slowdown"
    assert record.authors == ["Katrin Vogel"]
    assert record.dateline.place == "FRANKFURT"
    assert record.source.agency == "Sample Wire"
    assert len(record.body) == 5
    assert record.body[0].startswith("European Central Bank President Christine Lagarde said on Thursday")
    assert record.body[-1].endswith("with Germany and Italy stagnating.")
    assert record.language == "en"
    assert record.published_at == "2026-11-20T08:15:00+00:00"


def test_french_news_message_in_iso_8859_1() -> None:
    record = sample("newsml-message-fr.xml")
    assert record.headline == "La France annonce un plan d'urgence pour les éleveurs touchés par la sécheresse"
    assert record.authors == ["Julie Martin"]  # from "Par Julie Martin"
    assert record.dateline.place == "PARIS"
    assert len(record.body) == 4
    assert record.body[0].startswith("Le gouvernement français a annoncé jeudi un plan d'urgence")
    assert record.body[2] == (
        "Les syndicats agricoles ont salué un « premier pas » mais jugent l'enveloppe insuffisante face à la "
        "hausse du prix des aliments pour bétail."
    )
    assert record.language == "fr"
    assert record.published_at == "2026-11-20T09:30:00+00:00"


def test_story_id_comes_from_the_guid() -> None:
    text = (RAW / "newsml-item.xml").read_text()
    assert xml(text).story_id == xml(text.replace('version="3"', 'version="4"')).story_id
    assert xml(text).story_id != xml(text.replace("ecb-lagarde", "ecb-other")).story_id


def test_inline_data_and_literal_creator() -> None:
    record = xml(
        f"""<newsItem {G2} guid="urn:x:1"><contentMeta><creator literal="Ana Souza"/>
        <headline>Brazil central bank holds rates</headline></contentMeta>
        <contentSet><inlineData contenttype="text/plain">BRASILIA (Sample Wire) - Brazil's central bank held rates.
        Markets had expected the decision.</inlineData></contentSet></newsItem>"""
    )
    assert record.authors == ["Ana Souza"]
    assert record.dateline.place == "BRASILIA"
    assert record.body == ["Brazil's central bank held rates.", "Markets had expected the decision."]


def test_entity_bomb_is_refused_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(Rejected) as caught:
        sample("bad/entity-expansion.xml")
    assert caught.value.reason == "malformed_xml"
    assert time.perf_counter() - started < 2


def test_external_entities_are_not_loaded() -> None:
    record = xml(
        f"""<?xml version="1.0"?><!DOCTYPE newsItem [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
        <newsItem {G2} guid="urn:x:2"><contentMeta><headline>Harmless headline</headline></contentMeta>
        <contentSet><inlineXML><html xmlns="http://www.w3.org/1999/xhtml"><body>
        <p>Before &secret; after.</p></body></html></inlineXML></contentSet></newsItem>"""
    )
    assert "root:" not in " ".join(record.body)
    assert record.body[0].startswith("Before")


@pytest.mark.parametrize(
    ("name", "reason", "detail"),
    [
        ("bad/truncated.xml", "malformed_xml", "Premature end of data"),
        ("bad/malformed.xml", "malformed_xml", "mismatch"),
        ("bad/no-story.xml", "missing_fields", "no inlineXML or inlineData"),
    ],
)
def test_unreadable_xml_is_refused(name: str, reason: str, detail: str) -> None:
    with pytest.raises(Rejected) as caught:
        sample(name)
    assert caught.value.reason == reason
    assert detail in caught.value.detail


def test_xml_that_is_not_newsml_is_refused() -> None:
    with pytest.raises(Rejected) as caught:
        xml("<rss><channel><title>Feed</title></channel></rss>")
    assert caught.value.reason == "missing_fields"
    assert "rss" in caught.value.detail
