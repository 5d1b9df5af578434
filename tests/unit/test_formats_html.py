"""HTML pages: syndicated partner pages with furniture and reader comments, and an agency's own page."""

import re
from dataclasses import dataclass

import pytest

from pipeline.parse import parse
from pipeline.process import items_from_paths
from pipeline.raw import RawItem
from pipeline.record import StoryRecord
from tests.conftest import ROOT

RAW = ROOT / "tests" / "data" / "raw"


def sample(name: str) -> StoryRecord:
    _, item = next(items_from_paths([RAW / name], source="partner"))
    return parse(item, max_bytes=1_000_000)


def page(html: str, url: str | None = None) -> StoryRecord:
    return parse(RawItem("k", html.encode(), "partner", "text/html", "test", url=url), max_bytes=100_000)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n", text) if len(s.strip()) > 15]


@dataclass
class Expected:
    file: str
    headline: str
    authors: list[str]
    place: str
    agency: str
    paragraphs: int
    first: str
    last: str
    caption: str
    comments: int
    published_at: str


SYNDICATED = [
    Expected(
        "partner-wordpress.html",
        "Ukraine restores power to most of Kyiv after overnight drone strikes",
        ["Anna Kowalska"],
        "KYIV",
        "Reuters",
        7,
        "Ukrainian engineers restored electricity to most of Kyiv on Thursday",
        "since the start of the heating season.",
        "Photo: Repair crews work at a damaged substation in Kyiv",
        6,
        "2026-11-20T11:05:00+00:00",
    ),
    Expected(
        "partner-section-comments.html",
        "Senate passes stopgap bill to avert government shutdown",
        ["Maria Lopez", "James Whitfield"],
        "WASHINGTON",
        "AP",
        7,
        "The Senate passed a stopgap spending bill late Wednesday",
        "oppose any bill that does not cut domestic spending.",
        "Photo: The U.S. Capitol is seen at dusk in Washington",
        6,
        "2026-11-20T04:48:00+00:00",
    ),
    Expected(
        "partner-threaded.html",
        "EU agrees 2040 climate target after all-night talks",
        ["Claire Dubois"],
        "BRUSSELS",
        "AFP",
        6,
        "European Union environment ministers agreed early on Thursday",
        "if the cost of energy for households rises sharply.",
        "Environment ministers arrive for the final round of talks",
        7,
        "2026-11-19T07:30:00+00:00",
    ),
    Expected(
        "partner-other-countries.html",
        "Kenya's maize harvest to fall by a third after failed rains, ministry says",
        ["Wanjiru Kamau"],
        "NAIROBI",
        "Reuters",
        7,
        "Kenya's maize harvest will fall by about a third this season",
        "up from 1.2 million in July.",
        "A farmer walks through a dried-out maize field in Makueni county",
        5,
        "2026-11-18T06:20:00+00:00",
    ),
]


@pytest.mark.parametrize("expected", SYNDICATED, ids=lambda e: e.file)
def test_syndicated_page_fields(expected: Expected) -> None:
    record = sample(expected.file)
    assert record.headline == expected.headline
    assert record.authors == expected.authors
    assert record.dateline.place == expected.place
    assert record.source.agency == expected.agency
    assert record.source.publisher == "partner"
    assert len(record.body) == expected.paragraphs
    assert record.body[0].startswith(expected.first)  # the dateline prefix is gone
    assert record.body[-1].endswith(expected.last)
    assert len(record.captions) == 1
    assert record.captions[0].startswith(expected.caption)
    assert len(record.comments) == expected.comments
    assert record.published_at == expected.published_at
    assert record.language == "en"


@pytest.mark.parametrize("expected", SYNDICATED, ids=lambda e: e.file)
def test_body_holds_no_comment_caption_or_furniture(expected: Expected) -> None:
    record = sample(expected.file)
    body = "\n".join(record.body)
    for comment in record.comments:
        for sentence in sentences(comment):
            assert sentence not in body, f"comment text leaked into the body: {sentence!r}"
    for caption in record.captions:
        assert caption not in body
    for furniture in ("©", "Copyright", "(c)", "comments", "Share", "Related", "Read also", "ALSO READ", "Reply"):
        assert furniture not in body
    assert all(paragraph != record.headline for paragraph in record.body)


def test_comments_that_name_other_countries_and_people_stay_out_of_the_body() -> None:
    record = sample("partner-other-countries.html")
    body = " ".join(record.body)
    comments = " ".join(record.comments)
    for name in ("China", "Russia", "Putin", "Donald Trump", "Brazil", "India", "Macron"):
        assert name in comments
        assert name not in body
    assert "Tanzania and Uganda" in body


def test_threaded_comments_are_in_order_without_quotes_or_repeats() -> None:
    comments = sample("partner-threaded.html").comments
    assert comments[0].startswith("Carbon credits from abroad are just a loophole")
    assert comments[1] == "Sweden has hydropower and half the population of the Netherlands. Not a fair comparison."
    assert comments[2].startswith("Norway has even more hydropower")
    assert sum("Prague will pay for this" in c for c in comments) == 1  # posted twice, listed once
    assert comments[4].startswith("Good news for once.")
    # the reply quoting it holds its own words only, and its double post is listed once
    assert comments[5] == "Tell that to the steel workers in Duisburg. Thyssenkrupp is already cutting jobs."
    assert len(comments) == 7
    assert comments[-1].startswith("Will the European Parliament actually approve this")


def test_wordpress_comments_keep_their_paragraphs_and_drop_their_metadata() -> None:
    comments = sample("partner-wordpress.html").comments
    assert comments[2] == (
        "Poland is sending generators every week from Rzeszow. Nobody writes about that.\n"
        "Respect to the repair crews working in the cold."
    )
    assert not any(word in c for c in comments for word in ("says:", "Reply", "Tomasz W.", "11:14"))


def test_agency_page() -> None:
    record = sample("agency-page.html")
    assert record.headline == "North Korea fires ballistic missile into sea, Seoul says"
    assert record.authors == ["Min-jung Park", "Daniel Cho"]
    assert record.dateline.place == "SEOUL"
    assert record.source.agency == "Sample Wire"
    assert len(record.body) == 5
    assert record.body[0].startswith("North Korea fired a short-range ballistic missile")
    assert record.body[-1] == "North Korea's state media did not immediately report the launch."
    assert record.captions == [
        "People watch a TV broadcast of a news report on North Korea's missile launch at a railway station "
        "in Seoul, South Korea, November 20, 2026."
    ]
    assert record.comments == []
    assert record.url == "https://wire.example/world/asia-pacific/north-korea-missile-2026-11-20"
    assert record.published_at == "2026-11-20T02:40:00+00:00"


def test_page_declaring_the_wrong_charset_is_read_in_the_right_one() -> None:
    record = sample("wrong-charset.html")
    assert record.headline == "Chile\u2019s copper output falls 4% on mine outages"
    assert record.authors == ["Camila Rojas"]
    assert record.dateline.place == "SANTIAGO"
    assert record.body[0].startswith("Chile\u2019s copper output fell 4% in October")


def test_the_url_the_item_came_from_wins_over_the_canonical_link() -> None:
    html = (RAW / "agency-page.html").read_text()
    assert page(html, url="https://mirror.example/a").url == "https://mirror.example/a"
    assert page(html).url == "https://wire.example/world/asia-pacific/north-korea-missile-2026-11-20"


def test_a_comment_repeated_outside_its_section_is_kept_out_of_the_body() -> None:
    comment = "Brussels has ignored the farmers of Andalusia for a decade and everybody knows it."
    html = f"""<html><body><article><h1>Spain approves drought aid for farmers</h1>
      <p>MADRID (Sample Wire) - Spain's government approved 300 million euros of drought aid on Tuesday.</p>
      <p>The money will be paid before February to farms that lost more than 30% of their harvest.</p>
      <div class="reader-pick"><p>{comment}</p></div>
      <p>Farm groups said the package was too small and asked for cheaper diesel.</p></article>
      <section id="comments"><ul><li class="comment"><p>{comment}</p></li></ul></section></body></html>"""
    record = page(html)
    assert record.comments == [comment]
    assert comment not in record.body
    assert len(record.body) == 3


def test_a_small_page_without_language_or_metadata() -> None:
    html = """<html><head><title>Sequía en Andalucía | Diario</title></head><body>
      <p>Los embalses de Andalucía están al 24 % de su capacidad, según los últimos datos del ministerio.</p>
      <p>Los agricultores piden ayudas urgentes para el gasóleo y los piensos.</p></body></html>"""
    record = page(html)
    assert record.headline == "Sequía en Andalucía"
    assert record.language == "es"
    assert len(record.body) == 2
    assert record.authors == []
    assert record.dateline.place is None


def test_comments_marked_only_by_schema_org_microdata() -> None:
    """No class name says "comment" here: the extraction library alone would take these for story text."""
    story = "".join(
        f"<p>The minister said the regional rail plan would add {n} new lines by 2030, work starting in spring.</p>"
        for n in range(2, 7)
    )
    comments = "".join(
        f'<div itemprop="comment" itemscope itemtype="https://schema.org/Comment"><span itemprop="author">u{n}</span>'
        f'<p itemprop="text">Reader {n} says Portugal and Angola did this better years ago, frankly.</p></div>'
        for n in range(8)
    )
    record = page(
        f'<html lang="en"><body><div class="content"><h1>Minister unveils regional rail plan</h1>{story}'
        f'<div id="discussion"><h3>Reader reactions</h3>{comments}</div></div></body></html>'
    )
    assert len(record.body) == 5
    assert len(record.comments) == 8
    assert not any("Portugal" in paragraph for paragraph in record.body)
    assert record.comments[0] == "Reader 0 says Portugal and Angola did this better years ago, frankly."
