"""Plain-text stories in the encodings wire text still arrives in."""

from pipeline.parse import parse
from pipeline.process import items_from_paths
from pipeline.raw import RawItem
from pipeline.record import StoryRecord
from tests.conftest import ROOT

RAW = ROOT / "tests" / "data" / "raw"


def sample(name: str) -> StoryRecord:
    _, item = next(items_from_paths([RAW / name], source="wire"))
    return parse(item, max_bytes=1_000_000)


def text(value: str) -> StoryRecord:
    return parse(RawItem("k", value.encode(), "wire", "text/plain", "test"), max_bytes=100_000)


def test_windows_1252_story_with_curly_quotes_and_hard_wrapped_lines() -> None:
    record = sample("text-windows1252.txt")
    assert record.headline == "Suez Canal traffic rises for third month as Red Sea attacks ease"
    assert record.authors == ["Omar Haddad"]
    assert record.dateline.place == "CAIRO"
    assert record.source.agency == "Sample Wire"
    assert len(record.body) == 5
    assert record.body[0] == (
        "Traffic through the Suez Canal rose for a third straight month in October as shipping lines returned to "
        "the Red Sea route after a lull in attacks on merchant vessels, the Suez Canal Authority said on Thursday."
    )
    assert record.body[2].startswith("\u201cWe are seeing the return of the large container lines,\u201d")
    assert record.body[-1].startswith("Egypt\u2019s central bank")
    assert not any("©" in paragraph for paragraph in record.body)
    assert record.language == "en"


def test_latin_1_spanish_story() -> None:
    record = sample("text-latin1.txt")
    assert record.headline == (
        "El Gobierno aprueba ayudas de 300 millones para los agricultores afectados por la sequía"
    )
    assert record.authors == ["Lucía Fernández"]
    assert record.dateline.place == "MADRID"
    assert len(record.body) == 4
    assert record.body[0].startswith("El Consejo de Ministros aprobó este jueves")
    assert record.body[2] == (
        "Las organizaciones agrarias calificaron el paquete de «insuficiente» y pidieron una rebaja del precio "
        "del gasóleo agrícola."
    )
    assert record.language == "es"


def test_utf8_text_with_a_pasted_windows_1252_sentence() -> None:
    record = sample("text-mixed-encoding.txt")
    assert "Europe\u2019s buyers" in record.body[0]  # the UTF-8 part
    assert record.body[-1] == (  # the windows-1252 part
        "The authority\u2019s chief executive said capacity would grow by 8% next year \u2013 a first since 2019."
    )


def test_one_paragraph_a_line_and_blank_line_paragraphs_both_work() -> None:
    per_line = text("Headline of the story\nFirst paragraph here.\nSecond paragraph here.\n")
    blank_lines = text("Headline of the story\n\nFirst paragraph here.\n\nSecond paragraph here.\n")
    assert per_line.body == blank_lines.body == ["First paragraph here.", "Second paragraph here."]


def test_text_without_a_declared_time_gets_the_time_it_was_received() -> None:
    item = RawItem("k", b"Headline\n\nBody.", "wire", "text/plain", "test", received_at="2026-11-20T10:00:00+01:00")
    assert parse(item, max_bytes=1000).published_at == "2026-11-20T09:00:00+00:00"
