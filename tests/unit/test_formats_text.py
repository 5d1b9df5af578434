"""Plain-text stories in the encodings wire text still arrives in."""

import pytest

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
    record = parse(item, max_bytes=1000)
    assert (record.published_at, record.published_at_received) == ("2026-11-20T09:00:00+00:00", True)


def test_wire_copy_without_a_headline_line_gets_a_derived_headline() -> None:
    record = text(
        "BRUSSELS (Reuters) - European Union ministers agreed on Monday to extend sanctions on Russia for six "
        "months, diplomats said.\n\nThe decision needs no further vote.\n"
    )
    assert record.headline == (
        "European Union ministers agreed on Monday to extend sanctions on Russia for six months, diplomats said"
    )
    assert record.headline_derived
    assert (record.dateline.place, record.source.agency) == ("BRUSSELS", "Reuters")
    assert record.body[0].startswith("European Union ministers agreed")
    assert record.body[-1] == "The decision needs no further vote."


def test_a_story_in_one_paragraph_with_an_agency_sign_off_is_a_story() -> None:
    paragraph = (
        "Police in Hamburg detained two men on Sunday after a fire at a warehouse in the port district, a "
        "spokeswoman said, adding that no one was hurt and that the cause of the blaze was not yet known. "
        "Firefighters worked through the night to stop the flames spreading to nearby buildings. mp (DPA/Reuters)"
    )
    record = text(paragraph)
    assert record.body == [paragraph.removesuffix(" mp (DPA/Reuters)")]
    assert record.source.agency == "DPA"
    assert record.headline_derived and record.headline.startswith("Police in Hamburg detained two men")
    assert len(record.headline.split()) <= 17


@pytest.mark.parametrize(
    ("lede", "place", "agency"),
    [
        ("KYIV (Reuters) - Ukraine said on Monday that it had restored power to the capital.", "KYIV", "Reuters"),
        (
            "WASHINGTON, March 3 (Reuters) - The Senate passed the spending bill late on Monday.",
            "WASHINGTON",
            "Reuters",
        ),
        (
            "MOSCOW, February 6. /TASS/. Russia's foreign ministry summoned the ambassador on Thursday.",
            "MOSCOW",
            "TASS",
        ),
        ("BERLIN (AFP) - Germany's government agreed a budget for next year after weeks of talks.", "BERLIN", "AFP"),
    ],
)
def test_datelines_in_their_common_forms(lede: str, place: str, agency: str) -> None:
    record = text(f"Headline for the story here\n\n{lede}\n\nA second paragraph of the story follows here.")
    assert (record.dateline.place, record.source.agency) == (place, agency)
    assert record.body[0] == lede.split(" - ", 1)[-1].split("/. ", 1)[-1]


def test_a_page_saved_as_text_keeps_furniture_and_comments_out_of_the_story() -> None:
    record = text(
        "Storm floods Mombasa port\n"
        "Workers clear debris at the port of Mombasa, Kenya, May 2. REUTERS/Jane Mwangi\n"
        "Africa\n"
        "Kenyan port shut as storm floods terminals\n"
        "12 Comments\n"
        "By Amina Otieno\n"
        "NAIROBI\n"
        "Kenya closed the port of Mombasa on Tuesday after a storm flooded two container terminals, the port "
        "authority said, halting most traffic through East Africa's busiest port.\n"
        "Ships were told to wait at anchor until the water had drained, the Kenya Ports Authority said.\n"
        "Share this article\n"
        "\u00a9 2026 Northstar\n"
        "\u00a9 2026 Coast Media Ltd.\n"
        "Brazil would never let its ports flood like this, ask Lula.\n"
        "joao_p  2 hours ago\n"
        "Brazil would never let its ports flood like this, ask Lula.\n"
        "Japan builds sea walls for exactly this reason.\n"
        "Login to comment\n"
    )
    assert record.headline == "Kenyan port shut as storm floods terminals"
    assert record.captions == [
        "Storm floods Mombasa port",
        "Workers clear debris at the port of Mombasa, Kenya, May 2. REUTERS/Jane Mwangi",
    ]
    assert record.authors == ["Amina Otieno"]
    assert record.dateline.place == "NAIROBI"
    assert [paragraph[:20] for paragraph in record.body] == ["Kenya closed the por", "Ships were told to w"]
    assert record.comments == [
        "Brazil would never let its ports flood like this, ask Lula.",
        "Japan builds sea walls for exactly this reason.",
    ]
    assert record.source.agency == "Northstar"


def test_a_long_paragraph_cut_off_mid_sentence_is_still_a_story() -> None:
    words = "The council voted on Tuesday to close the old bridge to heavy traffic while engineers inspect it"
    record = text(f"{words}, and officials said repairs could take months because the steel {words} and the")
    assert record.headline_derived and record.body[0].startswith("The council voted on Tuesday")


def test_a_derived_headline_never_ends_inside_a_name() -> None:
    initial = text(
        "The director of the agency, Adnan Z. Amin, is convinced that wind power could become the cheapest source of "
        "energy in the world.\n\nHe spoke in Abu Dhabi.\n"
    )
    assert initial.headline.startswith("The director of the agency, Adnan Z. Amin, is convinced")  # no end at "Z."
    long_sentence = text(
        "In the case of Andy it was like that when he played in April against Benoît Paire in Monte Carlo and lost "
        "in three sets.\n\nHe plays again next week.\n"
    )
    # the 16th word is "Benoît": the name would run past the cut, so it goes whole
    assert long_sentence.headline == "In the case of Andy it was like that when he played in April against\u2026"
    capitals = text(
        "WASHINGTON (Reuters) - THE SENATE VOTED ON TUESDAY TO PASS THE BILL THAT WOULD FUND THE GOVERNMENT FOR "
        "ANOTHER YEAR AND A HALF\n\nThe House votes next week.\n"
    )
    assert capitals.headline_derived and len(capitals.headline.split()) == 16  # capitals are no name: the cut stays
