"""Datelines, bylines, copyright lines and captions: the pieces every format separates from the story."""

import pytest

from pipeline.formats.byline import authors, byline_text
from pipeline.formats.dateline import split_dateline
from pipeline.formats.furniture import copyright_holder, is_caption, separate


@pytest.mark.parametrize(
    ("paragraph", "place", "agency", "rest"),
    [
        ("KYIV, Nov 20 (Reuters) - Ukrainian engineers restored power.", "KYIV", "Reuters", "Ukrainian engineers"),
        ("WASHINGTON (AP) \u2014 The Senate passed a bill.", "WASHINGTON", "AP", "The Senate"),
        ("SAN JUAN, Puerto Rico (AP) \u2014 Power returned.", "SAN JUAN, Puerto Rico", "AP", "Power returned"),
        ("NEW YORK, Nov. 20, 2026 (Reuters) - Stocks rose.", "NEW YORK", "Reuters", "Stocks rose"),
        ("BRUSSELS, Nov 19 - The EU agreed.", "BRUSSELS", None, "The EU agreed"),
        ("PARIS, 20 nov (AFP) - Le gouvernement a annoncé.", "PARIS", "AFP", "Le gouvernement"),
        ("MADRID, 20 nov (EFE).- El Consejo aprobó.", "MADRID", "EFE", "El Consejo"),
        ("Paris (AFP) - Le gouvernement a annoncé.", "Paris", "AFP", "Le gouvernement"),
    ],
)
def test_datelines(paragraph: str, place: str, agency: str | None, rest: str) -> None:
    found = split_dateline(paragraph)
    assert found is not None
    assert (found.place, found.agency) == (place, agency)
    assert found.rest.startswith(rest)


@pytest.mark.parametrize(
    "paragraph",
    [
        "The 71-26 vote followed two days of talks.",
        "Mr Smith - who was there - said nothing.",
        "However, officials - who declined to be named - said so.",
        "KYIV, Nov 20 (Reuters) - ",
    ],
)
def test_sentences_with_dashes_are_not_datelines(paragraph: str) -> None:
    assert split_dateline(paragraph) is None


@pytest.mark.parametrize(
    ("bylines", "credits", "names"),
    [
        (["By Anna Kowalska and Tom Balmforth, Reuters"], ["Reuters"], ["Anna Kowalska", "Tom Balmforth"]),
        (["By MARIA LOPEZ and JAMES WHITFIELD, Associated Press"], [], ["Maria Lopez", "James Whitfield"]),
        (["Claire Dubois | AFP | 19/11/2026 08:30"], [], ["Claire Dubois"]),
        (["By Pieter Janssens in Brussels"], [], ["Pieter Janssens"]),
        (["Reuters staff"], [], []),
        (["By Partner Daily Newsroom"], ["Partner Daily"], []),
        (["Par Julie Martin"], [], ["Julie Martin"]),
        (["By Anna Kowalska", "Anna Kowalska"], [], ["Anna Kowalska"]),
    ],
)
def test_author_names_without_credits(bylines: list[str], credits: list[str], names: list[str]) -> None:
    assert authors(bylines, credits) == names


def test_a_sentence_starting_with_by_is_not_a_byline() -> None:
    assert byline_text("By Thursday, officials had restored power to most homes.") is None
    assert byline_text("By Omar Haddad") == "Omar Haddad"


@pytest.mark.parametrize(
    ("line", "holder"),
    [
        ("© 2026 Reuters", "Reuters"),
        ("Copyright Partner Daily", "Partner Daily"),
        ("Copyright © 2026 Partner Daily. All rights reserved.", "Partner Daily"),
        ("(c) Copyright Thomson Reuters 2026", "Thomson Reuters"),
        ("© AFP 2026", "AFP"),
        ("Copyright 2026 The Associated Press. All rights reserved. Not to be rewritten.", "The Associated Press"),
        ("Copyright infringement cases rose 20% in 2025.", None),
        ("Copyright Office officials said on Tuesday that the rules would change.", None),
    ],
)
def test_copyright_lines(line: str, holder: str | None) -> None:
    assert copyright_holder(line) == holder


def test_captions() -> None:
    assert is_caption("Photo: The U.S. Capitol is seen at dusk.")
    assert is_caption("A farmer walks through a field, November 12, 2026. REUTERS/Thomas Mukoya")
    assert is_caption("People watch the news in Seoul. (AP Photo/Evan Marsh)")
    assert not is_caption("He said the CEO/CFO role would be split.")


def test_separate_keeps_short_story_lines_except_on_pages() -> None:
    lines = ["World", "The minister resigned on Monday.", "243 comments", "Share on Facebook", "Updated"]
    assert separate(lines).body == ["World", "The minister resigned on Monday.", "Updated"]
    assert separate(lines, page=True).body == ["The minister resigned on Monday."]


def test_labels_are_furniture_but_sentences_starting_with_the_same_words_are_not() -> None:
    labels = [
        "Share: Facebook LinkedIn X",
        "Email this story",
        "Read also: What to expect at COP31",
        "More from Nation",
    ]
    sentences = ["Share prices fell 3% on Monday.", "More from the budget talks is expected on Thursday."]
    assert separate([*labels, *sentences], page=True).body == sentences
