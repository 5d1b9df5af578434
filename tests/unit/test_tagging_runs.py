"""Where a sentence opens, and which capitals are a monarch's number, as the person and organisation readers both
tell them."""

from __future__ import annotations

import pytest

from pipeline.tagging.runs import opens_sentence, regnal_number


def test_a_word_opens_a_sentence_after_a_stop_and_any_quotes_or_at_the_start() -> None:
    text = "Ceci est vrai. « Martin a dit. Mais non: Dupont"
    assert opens_sentence(text, 0)
    assert opens_sentence(text, text.index("Martin"))
    assert opens_sentence(text, text.index("Mais"))
    assert opens_sentence(text, text.index("Dupont"))
    assert not opens_sentence(text, text.index("vrai"))


def test_a_line_break_opens_a_sentence_only_when_asked() -> None:
    text = "first paragraph\nWith Argentina out"
    assert not opens_sentence(text, text.index("With"))
    assert opens_sentence(text, text.index("With"), ".!?:\n")


def test_only_a_window_before_the_word_is_read() -> None:
    text = "End. " + " " * 100 + "Word"  # the stop lies beyond the window: what is read is blank, as at the start
    assert opens_sentence(text, text.index("Word"))


@pytest.mark.parametrize(("word", "regnal"), [("VI", True), ("XIV", True), ("III", True), ("XXXIX", True)])
def test_roman_numbers_of_monarchs_and_popes(word: str, regnal: bool) -> None:
    assert regnal_number(word) is regnal


@pytest.mark.parametrize("word", ["", "IMF", "VIX", "MCC", "XL", "IIII", "DC"])
def test_acronyms_are_no_roman_numbers(word: str) -> None:
    assert not regnal_number(word)
