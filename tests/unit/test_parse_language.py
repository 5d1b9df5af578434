"""Language: a declared tag wins; otherwise lingua detects it from the headline and lead."""

import json

import pytest

from pipeline import language
from pipeline.language import declared_language, detect_language
from pipeline.parse import parse
from pipeline.raw import RawItem


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The government announced a new plan to cut energy bills for households this winter.", "en"),
        ("Le gouvernement a annoncé mardi un nouveau plan pour réduire les factures d'énergie des ménages.", "fr"),
        ("El Gobierno anunció el martes un nuevo plan para reducir las facturas de energía de los hogares.", "es"),
        ("Die Bundesregierung hat am Dienstag einen neuen Plan zur Senkung der Energiekosten vorgestellt.", "de"),
        ("Il governo ha annunciato martedì un nuovo piano per ridurre le bollette energetiche delle famiglie.", "it"),
        ("Правительство во вторник объявило о новом плане снижения счетов за энергию для домохозяйств.", "ru"),  # noqa: RUF001
        ("Уряд у вівторок оголосив новий план зниження рахунків за енергію для домогосподарств.", "uk"),  # noqa: RUF001
    ],
)
def test_detects_news_languages(text: str, code: str) -> None:
    assert detect_language(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # lingua's trigrams alone read these as Spanish, Dutch and French: the names outweigh the few words
        ("Merz wins Bundestag confidence vote", "en"),
        ("Zelenskiy meets De Wever in Kyiv", "en"),
        ("Erdogan meets Sanchez in Madrid", "en"),
        ("Macron reçoit Merz à l'Élysée", "fr"),
        ("Merz empfängt Macron im Kanzleramt", "de"),
        ("Sánchez se reúne con Lula en Brasilia", "es"),
        ("Путин встретился с Си Цзиньпином", "ru"),  # noqa: RUF001
    ],
)
def test_a_short_flash_is_told_by_its_common_words_not_its_names(text: str, code: str) -> None:
    assert detect_language(text) == code


def test_no_language_in_digits_and_punctuation() -> None:
    assert detect_language("2026 - 12:30 / 45% ...") is None


@pytest.mark.parametrize(
    ("tag", "code"),
    [("en", "en"), ("en-GB", "en"), ("fr_FR", "fr"), ("PT-br", "pt"), ("fra", "fr"), ("deu", "de"), ("xx", None)],
)
def test_declared_tags_become_iso_639_1(tag: str, code: str | None) -> None:
    assert declared_language(tag) == code


@pytest.mark.parametrize("tag", [None, 42, "", "e", "english", "12", "ẞx"])
def test_unusable_declarations_are_ignored(tag: object) -> None:
    assert declared_language(tag) is None


def test_the_detector_is_built_once_per_process() -> None:
    assert language._detector() is language._detector()


def test_a_declared_language_wins_over_detection() -> None:
    doc = {"headline": "Government announces energy plan", "body_text": "The plan cuts bills.", "language": "de"}
    item = RawItem("k", json.dumps(doc).encode(), "s", "application/json", "c")
    assert parse(item, max_bytes=10_000).language == "de"
    del doc["language"]
    item = RawItem("k", json.dumps(doc).encode(), "s", "application/json", "c")
    assert parse(item, max_bytes=10_000).language == "en"
