"""The benchmark corpus: shares of each kind, determinism, stream order, sizes, and dedup outcomes as labelled.

No timing here: the benchmark's figures are measured by `wirestream bench`, never asserted by tests.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from pipeline.dedupe import Deduplicator, DedupStores, load_config
from pipeline.parse import parse
from tools.benchmark.corpus import EXPECTED_OUTCOME, NO_REPEATS, STORY_BYTES, Shares, generate, kind_counts

BASE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def corpus() -> list:
    return generate(160, seed=7, base_time=BASE)


def test_shares_give_counts_that_add_up() -> None:
    assert Shares().counts(2000) == {"distinct": 1300, "exact": 200, "syndicated": 300, "update": 200}
    assert Shares(0.1, 0.1, 0.1).counts(7) == {"distinct": 4, "exact": 1, "syndicated": 1, "update": 1}
    assert NO_REPEATS.counts(5) == {"distinct": 5, "exact": 0, "syndicated": 0, "update": 0}


def test_shares_refuse_more_repeats_than_distinct_stories() -> None:
    with pytest.raises(ValueError, match="50%"):
        Shares(0.3, 0.3, 0.1).counts(100)
    with pytest.raises(ValueError, match="between 0 and 1"):
        Shares(-0.1, 0.1, 0.1).counts(100)


def test_corpus_has_the_requested_share_of_each_kind(corpus: list) -> None:
    assert len(corpus) == 160
    assert kind_counts(corpus) == Shares().counts(160)


def test_same_seed_same_bytes_other_seed_other_stories(corpus: list) -> None:
    again = generate(160, seed=7, base_time=BASE)
    assert [entry.item for entry in again] == [entry.item for entry in corpus]
    other = generate(160, seed=8, base_time=BASE)
    assert {entry.item.value for entry in other}.isdisjoint({entry.item.value for entry in corpus})


def test_first_story_keeps_corpora_apart(corpus: list) -> None:
    later = generate(20, seed=7, base_time=BASE, first_story=1_000_000, shares=NO_REPEATS)
    assert {entry.item.key for entry in later}.isdisjoint({entry.item.key for entry in corpus})


def test_every_repeat_follows_its_story_and_each_story_has_at_most_one(corpus: list) -> None:
    first_seen: dict[int, int] = {}
    repeats: Counter[int] = Counter()
    for position, entry in enumerate(corpus):
        if entry.kind == "distinct":
            first_seen[entry.story] = position
        else:
            assert entry.story in first_seen, f"{entry.kind} of story {entry.story} before the story"
            repeats[entry.story] += 1
    assert max(repeats.values()) == 1


def test_exact_duplicates_are_the_same_item(corpus: list) -> None:
    originals = {entry.story: entry.item for entry in corpus if entry.kind == "distinct"}
    for entry in corpus:
        if entry.kind == "exact":
            assert entry.item == originals[entry.story]


def test_items_parse_into_3_to_5_kb_stories_of_every_format(corpus: list) -> None:
    formats = set()
    for entry in corpus:
        record = parse(entry.item, max_bytes=2_000_000)
        size = len("\n".join(record.body).encode())
        if entry.kind == "distinct":  # copies are trimmed, updates have a paragraph more
            assert STORY_BYTES[0] <= size <= STORY_BYTES[1] + 1000, (entry.format, size)
        assert record.language == "en"
        formats.add(entry.format)
    assert formats == {"ninjs", "newsml", "html", "text", "partner-html"}


def test_dedup_gives_every_item_the_outcome_its_kind_expects(corpus: list) -> None:
    """Distinct stories stay apart at the configured threshold; each kind of repeat is found as such."""
    deduplicator = Deduplicator(load_config(), DedupStores(stories={}, bands={}, fingerprints={}, items={}))
    outcomes = [deduplicator.dedupe(parse(entry.item, max_bytes=2_000_000)).outcome.value for entry in corpus]
    assert outcomes == [EXPECTED_OUTCOME[entry.kind] for entry in corpus]
