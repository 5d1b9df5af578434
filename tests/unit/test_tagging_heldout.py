"""The held-out tagging evaluation on the Lee corpus (tests/evaluation/tagging.py): the data, the matching rules, and
floors on the held-out half's scores.

The corpus text is fetched by deploy/local/install; without it the tests that need it skip, except under CI=true,
where they fail.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.evaluation import tagging
from tests.evaluation.tagging import (
    CORPUS_SHA256,
    DOCUMENTS,
    Report,
    evaluate,
    normalise,
    organisation_matches,
    person_matches,
    score_document,
)

# Measured on the held-out half (odd documents), scored after each round of work on the dev half. Now: countries
# P 0.986 R 0.976, persons P 0.946 R 0.912, organisations P 0.889 R 0.824 (before owners "Qantas' dominance":
# organisations P 0.888 R 0.817; before affiliations and lists:
# persons P 0.945 R 0.909, organisations P 0.893 R 0.794). After the open-vocabulary readers:
# persons P 0.945 R 0.906, organisations P 0.867 R 0.695. Before them (the gazetteers and title rules alone):
# countries P 0.954 R 0.934, persons P 0.967 R 0.243, organisations P 0.931 R 0.206. Floors sit about 0.03 below
# the figures they guard.
MIN_COUNTRY_PRECISION = 0.95
MIN_COUNTRY_RECALL = 0.94
MIN_PERSON_PRECISION = 0.91
MIN_PERSON_RECALL = 0.89
MIN_ORGANISATION_PRECISION = 0.86
MIN_ORGANISATION_RECALL = 0.79


@pytest.fixture(scope="module")
def corpus() -> Path:
    path = tagging.corpus_path()
    if not path.is_file():
        message = f"the Lee corpus is missing ({path}): run deploy/local/install"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def heldout(corpus: Path) -> Report:
    return evaluate("heldout", corpus)


def person(name: str, *surfaces: str) -> dict[str, Any]:
    return {"id": f"unlisted:{name}", "name": name, "kind": "person", "aliases_seen": list(surfaces)}


def organisation(name: str, *surfaces: str) -> dict[str, Any]:
    return {"id": f"unlisted:{name}", "name": name, "kind": "organisation", "evidence": {"surfaces": list(surfaces)}}


def gold(name: str, *mentions: str) -> dict[str, Any]:
    return {"name": name, "mentions": list(mentions)}


def annotation(**labels: Any) -> dict[str, Any]:
    return {"doc": 1, "persons": [], "organisations": [], "countries": [], "uncertain": [], **labels}


# ---------------------------------------------------------------------------------------------------------- data


def test_the_corpus_is_the_gensim_file_of_300_documents(corpus):
    assert tagging.corpus_sha256(corpus) == CORPUS_SHA256
    documents = tagging.load_documents(corpus)
    assert len(documents) == DOCUMENTS and all(document.strip() for document in documents)


def test_one_annotation_line_per_document_numbered_in_order():
    lines = tagging.ANNOTATIONS.read_text(encoding="utf-8").splitlines()
    assert len(lines) == DOCUMENTS
    assert [row["doc"] for row in tagging.load_annotations()] == list(range(DOCUMENTS))


def test_even_documents_are_dev_and_odd_ones_heldout():
    assert [tagging.split_of(doc) for doc in range(4)] == ["dev", "heldout", "dev", "heldout"]


def test_the_command_exits_2_without_the_corpus(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("WIRESTREAM_LEE_CORPUS", str(tmp_path / "absent.cor"))
    assert tagging.main(["--split", "dev"]) == 2
    assert "run deploy/local/install" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------------ matching


def test_names_are_casefolded_stripped_of_accents_punctuation_and_leading_titles():
    assert normalise("Prime Minister John Howard") == "john howard"
    assert normalise("Mr  Arafat") == normalise("mr. arafat") == "arafat"
    assert normalise("José Ramos-Horta") == "jose ramos horta"
    assert normalise("General Richard Myers") == "richard myers"
    assert normalise("Foreign Affairs Minister Alexander Downer") == "alexander downer"
    assert normalise("General Motors", titles=False) == "general motors"
    assert normalise("Mr") == "mr"  # a title alone is left as it is


def test_a_person_matches_by_any_surface_or_by_surname_with_compatible_first_names():
    howard = gold("John Howard", "Prime Minister John Howard", "Mr Howard")
    assert person_matches(person("Howard"), howard)
    assert person_matches(person("Winston Howard", "Mr Howard"), howard)  # a surface equals a gold mention
    assert person_matches(person("J. Howard"), howard)  # an initial
    assert person_matches(person("Dr John Howard"), howard)  # a title
    assert not person_matches(person("Janette Howard"), howard)
    assert not person_matches(person("John Anderson"), howard)
    assert person_matches(person("G Bush"), gold("George W Bush"))
    assert person_matches(person("Mr Arafat"), gold("Yasser Arafat"))


def test_an_organisation_matches_by_any_surface_or_by_acronym():
    assert organisation_matches(organisation("UN"), gold("United Nations"))
    assert organisation_matches(organisation("United Nations"), gold("UN"))
    assert organisation_matches(organisation("Australian Federal Police", "AFP"), gold("AFP"))
    assert organisation_matches(organisation("Federal Bureau of Investigation"), gold("FBI"))
    assert organisation_matches(organisation("Taliban"), gold("the Taliban"))
    assert organisation_matches(
        organisation("U.S. State Department", "US State Department"), gold("State Dept", "US State Department")
    )
    assert not organisation_matches(organisation("UN"), gold("United States"))
    assert not organisation_matches(organisation("Foreign Ministry"), gold("Israeli Foreign Ministry"))


def test_each_gold_item_takes_one_system_tag_and_an_exact_match_comes_first():
    score = score_document(
        1,
        [],
        [person("Ahmad Shah Masood", "Masood"), person("Mr Zinni"), person("Anthony Zinni")],
        annotation(persons=[gold("Ahmad Wali Masood"), gold("Ahmad Shah Masood"), gold("Anthony Zinni", "Mr Zinni")]),
    )
    counts = score.counts["persons"]
    assert (counts.tp, counts.fp, counts.fn) == (2, 1, 1)
    missed, spurious = score.errors
    assert (missed.error, missed.name) == ("missed", "Ahmad Wali Masood")  # the surname match did not take the tag
    assert spurious.error == "spurious" and "a second tag for gold 'Anthony Zinni'" in spurious.note


def test_uncertain_names_are_scored_neither_way():
    score = score_document(
        1,
        [{"code": "AU"}, {"code": "CX", "evidence": {"surfaces": ["Christmas Island"]}}],
        [organisation("U.S. Department of Defense", "the Pentagon"), organisation("Federal Government")],
        annotation(
            organisations=[gold("Federal Government")],
            countries=["AU"],
            uncertain=["Pentagon", "Federal Government", "Christmas Island"],
        ),
    )
    assert score.errors == []
    countries, organisations = score.counts["countries"], score.counts["organisations"]
    assert (countries.tp, countries.fp, countries.fn, countries.ignored) == (1, 0, 0, 1)
    assert (organisations.tp, organisations.fp, organisations.fn, organisations.ignored) == (0, 0, 0, 2)


def test_a_system_tag_inside_an_uncertain_name_is_ignored():
    score = score_document(
        1, [{"code": "VN", "evidence": {"surfaces": ["Vietnam"]}}], [], annotation(uncertain=["Vietnam War"])
    )
    assert score.counts["countries"].ignored == 1 and score.errors == []


def test_a_tag_of_the_wrong_kind_is_a_false_positive_reported_as_kind_confusion():
    score = score_document(
        1,
        [],
        [person("People's Alliance Party"), organisation("East Timor")],
        annotation(organisations=[gold("People's Alliance Party")]),
    )
    persons, organisations = score.counts["persons"], score.counts["organisations"]
    assert (persons.tp, persons.fp, persons.fn) == (0, 1, 0)
    assert (organisations.tp, organisations.fp, organisations.fn) == (0, 1, 1)
    assert sorted((e.category, e.error, e.name) for e in score.errors) == [
        ("organisations", "missed", "People's Alliance Party"),
        ("organisations", "spurious", "East Timor"),
        ("persons", "kind confusion", "People's Alliance Party"),
    ]


def test_countries_are_scored_as_sets_of_codes():
    score = score_document(
        1, [{"code": "AU"}, {"code": "GB", "evidence": {"surfaces": ["Wales"]}}], [], annotation(countries=["AU", "NR"])
    )
    counts = score.counts["countries"]
    assert (counts.tp, counts.fp, counts.fn) == (1, 1, 1)
    assert {(e.error, e.name) for e in score.errors} == {("missed", "NR"), ("spurious", "GB")}


def test_gazetteer_coverage_reads_names_and_aliases_of_the_actor_gazetteer():
    listed = tagging.gazetteer_forms()
    assert {"vladimir putin", "putin"} <= listed["person"]
    assert "kremlin" in listed["organisation"]
    annotations = [
        annotation(persons=[gold("Vladimir Putin"), gold("Nobody Listed")], organisations=[gold("the Kremlin")])
    ]
    assert tagging.coverage(annotations) == {"persons": (1, 2), "organisations": (1, 1)}


# --------------------------------------------------------------------------------------------- held-out scores


def test_heldout_country_tagging_stays_above_its_floors(heldout):
    countries = heldout.counts["countries"]
    assert heldout.documents == DOCUMENTS // 2
    assert countries.precision >= MIN_COUNTRY_PRECISION, tagging.format_table(heldout)
    assert countries.recall >= MIN_COUNTRY_RECALL, tagging.format_table(heldout)


def test_heldout_person_tagging_stays_above_its_floors(heldout):
    persons = heldout.counts["persons"]
    assert persons.precision >= MIN_PERSON_PRECISION, tagging.format_table(heldout)
    assert persons.recall >= MIN_PERSON_RECALL, tagging.format_table(heldout)


def test_heldout_organisation_tagging_stays_above_its_floors(heldout):
    organisations = heldout.counts["organisations"]
    assert organisations.precision >= MIN_ORGANISATION_PRECISION, tagging.format_table(heldout)
    assert organisations.recall >= MIN_ORGANISATION_RECALL, tagging.format_table(heldout)


def test_the_pipeline_does_not_crash_on_any_heldout_document(heldout):
    assert heldout.crashed == []
