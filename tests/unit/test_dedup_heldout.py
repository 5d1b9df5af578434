"""Dedup on real text: the held-out half of 150 labelled Lee corpus pairs (`tests/evaluation/dedup.py`). The pairs
were labelled by reading, blind to the deduplicator, and chosen by shared wording and shared actors: copies,
trims and revisions of one ABC story, and that outlet's follow-ups and same-topic stories as hard negatives."""

import os

import pytest

from tests.evaluation import dedup
from tests.evaluation.tagging import corpus_path, load_documents

# Measured on the held-out half when these floors were set (config/dedup.toml unchanged from the dev half):
# precision 1.000 (0 of 66 different-story pairs merged), recall 0.889 (8 of 9 same-story pairs; the miss is the
# annotator's borderline rewrite, pair 135). The targets: precision >= 0.95, recall >= 0.80.
MIN_PRECISION = 0.95
MIN_RECALL = 0.80


@pytest.fixture(scope="module")
def documents() -> list[str]:
    if not corpus_path().is_file():
        message = f"the Lee corpus is missing ({corpus_path()}): run deploy/local/install"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return load_documents(corpus_path())


def test_pairs_are_labelled_and_split() -> None:
    labelled = dedup.pairs("all")
    assert len(labelled) == 150
    assert {pair["label"] for pair in labelled} <= {"same", "different"}
    assert len(dedup.pairs("dev")) + len(dedup.pairs("heldout")) == len(labelled)
    assert sum(pair["label"] == "same" for pair in dedup.pairs("heldout")) >= 5


def test_heldout_real_pairs_meet_the_floors(documents: list[str]) -> None:
    result = dedup.score("heldout", documents)
    assert result.precision >= MIN_PRECISION, result.errors
    assert result.recall >= MIN_RECALL, result.errors


def test_a_copy_records_why_and_a_follow_up_stays_its_own_story(documents: list[str]) -> None:
    copy = next(p for p in dedup.pairs("dev") if p["relation"] == "copy")
    first, second = (dedup.record(n, documents[n], dedup._START) for n in (copy["a"], copy["b"]))
    decision = dedup.decide(first, dedup._later(second))
    assert decision["outcome"] != "new" and decision["score"] >= 0.99
    follow_up = next(p for p in dedup.pairs("dev") if p["relation"] == "follow-up")
    first, second = (dedup.record(n, documents[n], dedup._START) for n in (follow_up["a"], follow_up["b"]))
    assert dedup.decide(first, dedup._later(second))["outcome"] == "new"
