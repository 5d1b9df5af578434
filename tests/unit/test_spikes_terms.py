"""Topic terms: rare words and phrases of the headline and first paragraph, not stop words, not tagged names."""

from __future__ import annotations

import pytest

from pipeline.spikes.config import load_config
from pipeline.spikes.terms import HEADLINE_WEIGHT, LEAD_WEIGHT, TermExtractor, load_stopwords


@pytest.fixture(scope="module")
def extractor() -> TermExtractor:
    return TermExtractor.from_config(load_config())


def texts(extractor: TermExtractor, headline: str, body: list[str], language: str | None = "en", names=()) -> list:
    return [term.text for term in extractor.terms(headline, body, language, names)]


def test_rare_words_and_their_phrases_common_words_never(extractor: TermExtractor) -> None:
    found = texts(extractor, "Mpox outbreak spreads as government says people should stay calm", [])
    assert {"mpox", "outbreak", "mpox outbreak", "spreads", "outbreak spreads"} <= set(found)
    assert not {"government", "people", "says", "calm stay"} & set(found)


def test_phrases_first_then_words_rarest_first(extractor: TermExtractor) -> None:
    found = texts(extractor, "Ceasefire talks stall", [])
    assert found == ["ceasefire talks", "talks stall", "ceasefire", "stall", "talks"]


def test_headline_terms_weigh_more_than_first_paragraph_ones(extractor: TermExtractor) -> None:
    terms = extractor.terms(
        "Hurricane batters coast", ["KINGSTON (Wire) - Hurricane Melissa made landfall.", "Later"], "en", []
    )
    weights = {term.text: term.weight for term in terms}
    assert weights["hurricane"] == HEADLINE_WEIGHT
    assert weights["melissa"] == LEAD_WEIGHT
    assert "kingston" not in weights  # the dateline is not story text
    assert "later" not in weights  # only the first paragraph


def test_wire_boilerplate_is_stopped(extractor: TermExtractor) -> None:
    found = texts(extractor, "Reuters exclusive: spokesperson declined to comment on Thursday", [])
    assert found == []


def test_tagged_names_are_keys_of_their_own(extractor: TermExtractor) -> None:
    found = texts(
        extractor, "Zelenskiy meets Sybiha in Kyiv", [], names=["Volodymyr Zelenskiy", "Andrii Sybiha", "Kyiv"]
    )
    assert found == ["meets"]


def test_at_most_max_terms(extractor: TermExtractor) -> None:
    headline = "Volcano glacier tremor ash plume aviation alert lava fissure evacuation geologists magma dome"
    assert len(texts(extractor, headline, [])) == extractor.max_terms


def test_other_languages_use_their_own_background(extractor: TermExtractor) -> None:
    assert texts(extractor, "Le gouvernement annonce un cessez-le-feu", [], language="fr")[:1] == ["cessez"]
    assert "gouvernement" not in texts(extractor, "Le gouvernement annonce un cessez-le-feu", [], language="fr")


def test_no_terms_without_a_known_language_background(extractor: TermExtractor) -> None:
    assert texts(extractor, "Mpox outbreak spreads", [], language="xx") == []
    assert texts(extractor, "Mpox outbreak spreads", [], language=None)[0] == "mpox outbreak"


def test_stopword_file_comments_and_blank_lines(tmp_path) -> None:
    path = tmp_path / "stop.txt"
    path.write_text("# a comment\nThe\n\nsaid  # trailing comment\n")
    assert load_stopwords(path) == frozenset({"the", "said"})
