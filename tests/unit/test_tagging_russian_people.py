"""People in Russian stories: Cyrillic names, their nominative, and the cues that make a single word a person."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.record import Dateline, Source, StoryRecord
from pipeline.tagging.actors import slug, tag_actors
from pipeline.tagging.russian_people import find_russian_people


def names(text: str) -> list[str]:
    return [name for name, _, _ in find_russian_people(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a name of two words in the genitive, and its surname alone later: one person, in the nominative
        ("Победа Дональда Трампа удивила многих. Позже Трампа поздравили.", ["Дональд Трамп", "Дональд Трамп"]),
        # a surname the dictionary does not know takes the case of the given name before it
        (
            "Уволив главного исполнительного директора Мартина Винтеркорна, совет продолжил работу.",
            ["Мартин Винтеркорн"],
        ),
        ("«Всё будет хорошо», — сказал Сакиб.", ["Сакиб"]),
        ("Дюндар заявил, что аресты незаконны.", ["Дюндар"]),
        ("Г-н Осборн поступил на работу в агентство.", ["Осборн"]),
        ("Специальный помощник президента Обамы написал в блоге.", ["Обама"]),
        ("Мать Маргарет Боемер из Плано, штат Техас, узнала правду.", ["Маргарет Боемер"]),
        ("Клинтон известна своим умением прогнозировать.", ["Клинтон"]),
        # a title and the country it serves come off the front of the name
        ("Президент России Владимир Путин заявил о мире.", ["Владимир Путин"]),
        ("В Москве Путин заявил, что всё хорошо.", ["Путин"]),
        ("Король Карл III выступил.", ["Карл III"]),
        # ё where the text writes е: one spelling, so one actor
        ("Михаил Горбачев и сторонники Михаила Горбачева.", ["Михаил Горбачев", "Михаил Горбачев"]),
    ],
)
def test_russian_names_are_read_in_the_nominative(text: str, expected: list[str]):
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Она родилась в Северной Каролине, а выросла в Москве.",
        "Компания сказала, что рейсы возобновятся.",
        "Заседание Государственной Думы прошло в Кремле.",
        "Эксперты Международного валютного фонда приехали.",
        "Победа далась нелегко.",
        # nothing but a numeral left once the title or the sentence's first word is off
        "Глава II. Начало.",
        "Фаза II началась.",
        "Президент IV",
    ],
)
def test_places_institutions_and_sentence_words_are_no_people(text: str):
    assert names(text) == []


def test_a_russian_story_gives_one_actor_for_a_name_in_two_cases():
    record = StoryRecord(
        story_id="s1",
        source=Source(agency="ТАСС", publisher="tass", connector="feed"),
        headline="Выборы в США",
        body=["Победа Дональда Трампа удивила многих.", "Сторонники Дональда Трампа и сам Дональд Трамп праздновали."],
        published_at="2026-11-20T09:00:00Z",
        ingested_at="2026-11-20T09:00:01Z",
        dateline=Dateline(place=None),
        language="ru",
    )
    people = [tag for tag in tag_actors(record) if tag.kind == "person"]
    assert [(tag.id, tag.name) for tag in people] == [("unlisted:дональд-трамп", "Дональд Трамп")]


def test_ids_of_names_in_other_scripts_keep_their_letters_and_latin_ids_are_unchanged():
    assert slug("Дональд Трамп") == "дональд-трамп"
    assert slug("José Martí") == "jose-marti"
    assert slug("Søren Kierkegaard") == "s-ren-kierkegaard"


_PIECES = st.sampled_from(
    ["Президент", "России", "Владимир", "Путин", "II", "IV", "Глава", "Москве", "г-н", "сказал", "заявил", "Трампа",
     "Дональда", "в", "из", "Победа", "Горбачёва", "Нью-Йорк", "и", ".", ",", "«", "»", "—", "\n\n", "Ё", "Карл"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=25).map(" ".join))
def test_any_mix_of_names_titles_numerals_and_punctuation_reads_without_error(text: str):
    for name, start, end in find_russian_people(text):
        assert name.strip() and 0 <= start < end <= len(text)
