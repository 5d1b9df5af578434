"""Unit tests of story deduplication: each outcome, the window, and blindness to furniture and comments.

The stores here serialise every value to JSON on write and back on read, as a changelog-backed table does, so
a change made to a value in place instead of written back would be lost and a test would fail.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pipeline.config_dir import config_path
from pipeline.dedup_disk import DiskState
from pipeline.dedupe import (
    Decision,
    DedupConfig,
    Deduplicator,
    DedupStores,
    Method,
    Outcome,
    load_config,
)
from pipeline.fingerprint import Signer, decode_signatures, digest, encode_signature, shingles, words
from pipeline.record import Source, StoryRecord
from tests.unit.test_dedup_evaluation import STORIES

WIRE = Source(agency="Meridian Wire", publisher="meridian", connector="feed")
PARTNER = Source(agency="Meridian Wire", publisher="harbour-gazette", connector="web", url="https://hg.example/a")
SECOND_PARTNER = Source(agency="Meridian", publisher="valley-times", connector="web", url="https://vt.example/b")
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class JsonStore(MutableMapping[str, Any]):
    """A mapping that keeps JSON text, like a Faust table's changelog: values must be written back to change."""

    def __init__(self) -> None:
        self._data: dict[str, str] = {}

    def __getitem__(self, key: str) -> Any:
        return json.loads(self._data[key])

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = json.dumps(value)

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._data))

    def __len__(self) -> int:
        return len(self._data)


def json_stores() -> DedupStores:
    return DedupStores(
        stories=JsonStore(), bands=JsonStore(), fingerprints=JsonStore(), items=JsonStore(), expiry=JsonStore()
    )


def story(
    story_id: str,
    body: list[str],
    *,
    source: Source = WIRE,
    headline: str = "Strong earthquake kills at least 41 in eastern Turkey",
    at: datetime = T0,
    captions: list[str] | None = None,
    comments: list[str] | None = None,
) -> StoryRecord:
    return StoryRecord(
        story_id=story_id,
        source=source,
        headline=headline,
        body=body,
        published_at=at.isoformat(),
        ingested_at=(at + timedelta(seconds=5)).isoformat(),
        captions=captions or [],
        comments=comments or [],
        sources=[source],
    )


QUAKE = next(s for s in STORIES if s["id"] == "quake-casualties")
RESCUE = next(s for s in STORIES if s["id"] == "quake-rescue")  # same event, same agency, one shared paragraph
BODY = QUAKE["body"]


@pytest.fixture(params=["memory", "disk"])
def dedup(request, tmp_path) -> Iterator[Deduplicator]:
    """Every rule on both kinds of store: JSON round-tripping mappings (a changelog table's view) and RocksDB."""
    if request.param == "memory":
        yield Deduplicator(load_config(), json_stores())
        return
    state = DiskState(tmp_path / "dedup")
    yield Deduplicator(load_config(), state.stores)
    state.close()


def test_a_first_story_is_new_with_its_own_id_and_source(dedup):
    decision = dedup.dedupe(story("a", BODY))
    assert decision.outcome is Outcome.NEW
    assert (decision.story_id, decision.version, decision.sources) == ("a", 1, (WIRE,))
    assert (decision.matched, decision.score, decision.method) == (None, 0.0, None)


def test_an_agency_update_takes_the_story_id_increments_the_version_and_its_text_wins(dedup):
    dedup.dedupe(story("a", BODY))
    updated = [*BODY, QUAKE["update"]]
    decision = dedup.dedupe(story("a-1", updated, headline=f"UPDATE 1-{QUAKE['headline']}", at=T0 + timedelta(hours=1)))
    assert decision.outcome is Outcome.UPDATE
    assert (decision.story_id, decision.version, decision.matched, decision.method) == ("a", 2, "a", Method.MINHASH)
    assert decision.score >= dedup.config.update_threshold
    # The stored text is now the update's: a partner's copy of it is an exact match.
    copy = dedup.dedupe(story("p", updated, source=PARTNER, at=T0 + timedelta(hours=2)))
    assert (copy.outcome, copy.method, copy.story_id, copy.version) == (Outcome.DUPLICATE, Method.EXACT, "a", 2)


def test_apply_gives_the_record_to_index_under_the_canonical_story(dedup):
    dedup.dedupe(story("a", BODY))
    update = story("a-1", [*BODY, QUAKE["update"]], at=T0 + timedelta(hours=1))
    indexed = dedup.dedupe(update).apply(update)
    assert (indexed.story_id, indexed.version, indexed.sources) == ("a", 2, [WIRE])
    assert indexed.body == update.body


def test_apply_records_the_outcome_and_the_canonical_first_seen_time(dedup):
    dedup.dedupe(story("a", BODY))
    copy = story("p", BODY, source=PARTNER, at=T0 + timedelta(hours=30))
    decision = dedup.dedupe(copy)
    indexed = decision.apply(copy)
    assert indexed.first_seen_at == T0.isoformat()
    assert indexed.dedup == {
        "outcome": "duplicate",
        "matched": "a",
        "score": 1.0,
        "method": "exact",
        "item_id": "p",
        "carries_text": False,
        "shared": 1.0,
        "related": None,
    }


def test_a_new_story_close_to_a_known_one_is_linked_not_merged(dedup):
    """Under the merge thresholds but over `related_threshold`: two documents, the new one naming the other."""
    dedup.dedupe(story("a", BODY))
    half = story("b", [BODY[0], BODY[2], "An unrelated paragraph about harvest prices in the region this autumn."])
    decision = dedup.dedupe(half)
    assert decision.outcome is Outcome.NEW
    assert dedup.config.related_threshold <= decision.score < dedup.config.update_threshold
    assert decision.related == "a"
    assert 0 < decision.shared < 1
    unrelated = dedup.dedupe(story("c", ["Rain is forecast for the weekend across the north of the country."]))
    assert unrelated.related is None


def test_a_redelivery_carries_text_only_while_its_text_is_the_current_one(dedup):
    first = story("a", BODY)
    assert dedup.dedupe(first).carries_text
    again = dedup.dedupe(first)
    assert (again.outcome, again.carries_text) == (Outcome.REDELIVERY, True)
    dedup.dedupe(story("a-1", [*BODY, QUAKE["update"]], at=T0 + timedelta(hours=1)))
    stale = dedup.dedupe(first)  # the first version redelivered after the update replaced its text
    assert (stale.outcome, stale.version, stale.carries_text) == (Outcome.REDELIVERY, 2, False)


def test_an_item_whose_entry_a_crash_lost_comes_again_as_a_redelivery_with_its_text(dedup):
    """A worker killed after the stories table's changelog took the new story, before the items table's did and
    before its record reached stories.enriched: the item comes again, and must write its own document, not update
    a document that was never indexed as a duplicate of itself."""
    dedup.dedupe(story("a", BODY))
    del dedup.stores.items["a"]
    again = dedup.dedupe(story("a", BODY))
    assert (again.outcome, again.story_id, again.carries_text) == (Outcome.REDELIVERY, "a", True)


def test_a_partner_copy_coming_again_never_carries_text(dedup):
    """An exact partner copy is a duplicate, and so is its redelivery: indexing it as the story's text would make
    the partner the document's primary source (the fault suite's flood of mirrored copies found this)."""
    wire = story("a", BODY)
    dedup.dedupe(wire)
    copy = story("p", BODY, source=PARTNER)
    first = dedup.dedupe(copy)
    assert (first.outcome, first.method, first.carries_text) == (Outcome.DUPLICATE, Method.EXACT, False)
    again = dedup.dedupe(copy)
    assert (again.outcome, again.story_id, again.carries_text) == (Outcome.REDELIVERY, "a", False)
    assert dedup.dedupe(copy).apply(copy).dedup["carries_text"] is False
    assert dedup.dedupe(wire).carries_text  # the wire's own item still does


def test_an_item_stored_before_sets_text_existed_is_redelivered_without_text(dedup):
    dedup.dedupe(story("a", BODY))
    dedup.stores.items["a"] = {key: value for key, value in dedup.stores.items["a"].items() if key != "sets_text"}
    decision = dedup.dedupe(story("a", BODY))
    assert (decision.outcome, decision.carries_text) == (Outcome.REDELIVERY, False)


def test_reindex_rebuilds_the_derived_stores_from_the_stories_alone(dedup):
    dedup.dedupe(story("a", BODY))
    dedup.dedupe(story("a-1", [*BODY, QUAKE["update"]], at=T0 + timedelta(hours=1)))
    dedup.dedupe(story("p", BODY, source=PARTNER))
    dedup.dedupe(story("r", RESCUE["body"], headline=RESCUE["headline"]))
    built = {name: dict(getattr(dedup.stores, name)) for name in ("bands", "fingerprints")}
    dedup.stores.bands.clear()
    dedup.stores.fingerprints.clear()
    dedup.reindex()
    assert {name: dict(getattr(dedup.stores, name)) for name in built} == built
    # and decisions after a rebuild are the same as before it
    assert dedup.dedupe(story("q", BODY, source=SECOND_PARTNER)).story_id == "a"


def test_a_corrected_name_and_a_rewritten_headline_are_updates(dedup):
    dedup.dedupe(story("a", [p.replace(QUAKE["name"], QUAKE["misspelt"]) for p in BODY]))
    corrected = dedup.dedupe(story("a-c", BODY, at=T0 + timedelta(minutes=30)))
    assert (corrected.outcome, corrected.version) == (Outcome.UPDATE, 2)
    retitled = dedup.dedupe(story("a-h", BODY, headline=QUAKE["update_headline"], at=T0 + timedelta(minutes=40)))
    assert (retitled.outcome, retitled.version, retitled.method) == (Outcome.UPDATE, 3, Method.EXACT)


def test_the_same_item_with_new_text_updates_whatever_the_similarity(dedup):
    dedup.dedupe(story("a", BODY))
    decision = dedup.dedupe(story("a", [QUAKE["update"]], at=T0 + timedelta(hours=1)))
    assert (decision.outcome, decision.method, decision.version) == (Outcome.UPDATE, Method.ITEM, 2)


def test_an_older_version_arriving_late_does_not_replace_newer_text(dedup):
    dedup.dedupe(story("a-1", [*BODY, QUAKE["update"]], at=T0 + timedelta(hours=1)))
    late = dedup.dedupe(story("a", BODY, at=T0))
    assert (late.outcome, late.story_id, late.version) == (Outcome.DUPLICATE, "a-1", 1)
    assert dedup.dedupe(story("p", [*BODY, QUAKE["update"]], source=PARTNER)).method is Method.EXACT


def test_a_partner_copy_is_a_duplicate_that_adds_its_source_once(dedup):
    dedup.dedupe(story("a", BODY))
    reworded = [p.replace(" percent", " per cent").replace("more than", "over") for p in BODY[:-1]]
    decision = dedup.dedupe(story("p", reworded, source=PARTNER, at=T0 + timedelta(minutes=40)))
    assert (decision.outcome, decision.story_id, decision.version) == (Outcome.DUPLICATE, "a", 1)
    assert decision.sources == (WIRE, PARTNER)
    assert decision.method is Method.MINHASH and decision.score >= dedup.config.duplicate_threshold
    again = dedup.dedupe(story("p2", reworded, source=PARTNER, at=T0 + timedelta(minutes=50)))
    assert (again.outcome, again.sources) == (Outcome.DUPLICATE, (WIRE, PARTNER))
    # What the stores kept: the next source sees both, and the partner's item comes back as a redelivery.
    third = dedup.dedupe(story("s", BODY, source=SECOND_PARTNER, at=T0 + timedelta(minutes=60)))
    assert third.sources == (WIRE, PARTNER, SECOND_PARTNER)
    redelivered = dedup.dedupe(story("p", reworded, source=PARTNER, at=T0 + timedelta(minutes=40)))
    assert (redelivered.outcome, redelivered.story_id) == (Outcome.REDELIVERY, "a")


def test_a_redelivery_is_told_apart_from_a_syndicated_copy_and_changes_nothing(dedup):
    original = story("a", BODY)
    dedup.dedupe(original)
    before = {name: dict(getattr(dedup.stores, name)) for name in ("stories", "bands", "fingerprints", "items")}
    redelivered = dedup.dedupe(original)
    assert (redelivered.outcome, redelivered.story_id, redelivered.method) == (Outcome.REDELIVERY, "a", Method.ITEM)
    assert before == {name: dict(getattr(dedup.stores, name)) for name in before}
    syndicated = dedup.dedupe(story("p", BODY, source=PARTNER))
    assert (syndicated.outcome, syndicated.method, syndicated.score) == (Outcome.DUPLICATE, Method.EXACT, 1.0)
    assert syndicated.sources == (WIRE, PARTNER)


def test_captions_comments_dateline_and_typography_do_not_make_another_story(dedup):
    dedup.dedupe(story("a", BODY))
    dressed = [
        QUAKE["dateline"] + BODY[0].replace("'", "\u2019").upper(),
        *(" ".join(p.split()) + "  " for p in BODY[1:]),
    ]
    decision = dedup.dedupe(
        story(
            "p",
            dressed,
            source=PARTNER,
            captions=["Photo: Rescuers in Malatya. (Meridian/Ayse Kaya)"],
            comments=["Thoughts with everyone in Malatya.", *RESCUE["body"]],
        )
    )
    assert (decision.outcome, decision.method) == (Outcome.DUPLICATE, Method.EXACT)


def test_comments_that_quote_another_story_do_not_pull_a_story_into_it(dedup):
    dedup.dedupe(story("rescue", RESCUE["body"], headline=RESCUE["headline"]))
    decision = dedup.dedupe(story("a", BODY, source=PARTNER, comments=RESCUE["body"], captions=RESCUE["body"]))
    assert decision.outcome is Outcome.NEW


def test_two_stories_on_the_same_event_from_the_same_agency_stay_apart(dedup):
    dedup.dedupe(story("casualties", BODY))
    decision = dedup.dedupe(story("rescue", RESCUE["body"], headline=RESCUE["headline"], at=T0 + timedelta(hours=10)))
    assert (decision.outcome, decision.story_id) == (Outcome.NEW, "rescue")


def test_a_new_story_names_the_closest_story_that_did_not_qualify(dedup):
    dedup.dedupe(story("casualties", BODY))
    # Half of its text is the other story's: a candidate for sure, and still not the same story.
    half = [*RESCUE["body"][:3], *BODY[:2]]
    decision = dedup.dedupe(story("mixed", half, source=PARTNER, at=T0 + timedelta(hours=10)))
    assert (decision.outcome, decision.matched) == (Outcome.NEW, "casualties")
    assert 0.0 < decision.score < dedup.config.duplicate_threshold


def test_a_partner_never_replaces_the_agency_text(dedup):
    dedup.dedupe(story("a", BODY))
    dedup.dedupe(story("p", BODY[:-1], source=PARTNER, at=T0 + timedelta(minutes=10)))
    trimmed_again = dedup.dedupe(story("p2", BODY[:-2], source=PARTNER, at=T0 + timedelta(minutes=20)))
    edited_page = dedup.dedupe(story("p", [*BODY[:-1], QUAKE["update"]], source=PARTNER, at=T0 + timedelta(hours=1)))
    assert [trimmed_again.outcome, edited_page.outcome] == [Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert (edited_page.version, edited_page.sources) == (1, (WIRE, PARTNER))
    assert dedup.dedupe(story("copy", BODY, source=PARTNER)).method is Method.EXACT  # still the agency's text


def test_a_copy_from_the_same_publisher_under_another_agency_is_a_duplicate_not_an_update(dedup):
    dedup.dedupe(story("a", BODY))
    other_agency = dataclasses.replace(WIRE, agency="Capital News Service")
    decision = dedup.dedupe(story("b", [*BODY, QUAKE["update"]], source=other_agency, at=T0 + timedelta(hours=1)))
    assert (decision.outcome, decision.version) == (Outcome.DUPLICATE, 1)


def test_agency_names_from_a_dateline_and_a_copyright_line_are_one_lineage(dedup):
    dedup.dedupe(story("a", BODY))
    short_name = dataclasses.replace(WIRE, agency="Meridian")
    decision = dedup.dedupe(story("a-1", [*BODY, QUAKE["update"]], source=short_name, at=T0 + timedelta(hours=1)))
    assert decision.outcome is Outcome.UPDATE


def test_stories_outside_the_window_are_not_matched(dedup):
    window = dedup.config.window
    dedup.dedupe(story("a", BODY))
    inside = dedup.dedupe(story("p", BODY, source=PARTNER, at=T0 + window - timedelta(minutes=1)))
    assert inside.outcome is Outcome.DUPLICATE
    # The partner copy moved the story's last sighting; the window counts from there.
    late = dedup.dedupe(story("q", BODY, source=PARTNER, at=T0 + 2 * window + timedelta(minutes=1)))
    assert (late.outcome, late.story_id) == (Outcome.NEW, "q")


def test_an_item_back_after_its_window_is_new_and_leaves_no_stale_band_keys(dedup):
    dedup.dedupe(story("a", BODY))
    later = dedup.dedupe(story("a", RESCUE["body"], at=T0 + dedup.config.window + timedelta(hours=1)))
    assert (later.outcome, later.version) == (Outcome.NEW, 1)
    signer = Signer(num_perm=dedup.config.num_perm, bands=dedup.config.bands, seed=dedup.config.seed)
    stored = decode_signatures([dedup.stores.stories["a"]["signature"]], dedup.config.num_perm)[0]
    assert set(dedup.stores.bands) == set(signer.band_keys(stored))


def test_a_future_dated_story_counts_from_its_ingest_time(dedup):
    future = dataclasses.replace(story("a", BODY), published_at=(T0 + timedelta(days=30)).isoformat())
    dedup.dedupe(future)
    assert dedup.evict(T0 + dedup.config.window + timedelta(minutes=1)) == 1


def test_evict_removes_expired_stories_from_every_store_and_keeps_live_ones(dedup):
    dedup.dedupe(story("old", BODY))
    dedup.dedupe(story("old-copy", BODY, source=PARTNER))
    dedup.dedupe(story("live", RESCUE["body"], at=T0 + timedelta(hours=48)))
    assert dedup.evict(T0 + timedelta(hours=100)) == 1
    stores = dedup.stores
    assert list(stores.stories) == ["live"]
    assert {seen["canonical"] for seen in stores.items.values()} == {"live"}
    assert set(stores.fingerprints.values()) == {"live"}
    assert {story_id for ids in stores.bands.values() for story_id in ids.split()} == {"live"}
    assert len(stores.bands) == dedup.config.bands
    assert dedup.dedupe(story("again", BODY, at=T0 + timedelta(hours=100))).outcome is Outcome.NEW


def test_evict_leaves_a_fingerprint_a_newer_story_took_over(dedup):
    dedup.dedupe(story("old", BODY))
    dedup.dedupe(story("new", BODY, at=T0 + timedelta(hours=80)))  # the old one is out of its window
    assert dedup.evict(T0 + timedelta(hours=100)) == 1
    assert set(dedup.stores.fingerprints.values()) == {"new"}
    assert dedup.stores.items["new"]["canonical"] == "new"


def test_an_update_moves_the_story_to_its_new_band_keys(dedup):
    dedup.dedupe(story("a", BODY))
    dedup.dedupe(story("a-1", [QUAKE["update"], *BODY], at=T0 + timedelta(hours=1)))
    signer = Signer(num_perm=dedup.config.num_perm, bands=dedup.config.bands, seed=dedup.config.seed)
    stored = decode_signatures([dedup.stores.stories["a"]["signature"]], dedup.config.num_perm)[0]
    holding = {key for key, ids in dedup.stores.bands.items() if "a" in ids.split()}
    assert holding == set(signer.band_keys(stored))


def test_a_story_id_must_be_one_word(dedup):
    with pytest.raises(ValueError):
        dedup.dedupe(story("two words", BODY))


def test_decisions_and_state_are_plain_json():
    dedup = Deduplicator(load_config(), DedupStores(stories={}, bands={}, fingerprints={}, items={}))
    dedup.dedupe(story("a", BODY))
    dedup.dedupe(story("p", BODY, source=PARTNER))
    for store in (dedup.stores.stories, dedup.stores.bands, dedup.stores.fingerprints, dedup.stores.items):
        assert json.loads(json.dumps(dict(store))) == dict(store)
    assert isinstance(dedup.dedupe(story("x", RESCUE["body"])), Decision)


def test_words_drop_the_dateline_case_accents_and_punctuation():
    assert words(["KYIV, Nov 20 (Reuters) - Zelenskiy\u2019s aide met Sybíha\u2014again."]) == words(
        ["zelenskiy's aide met Sybiha, again"]
    )
    assert digest(words(["A b."])) != digest(words(["A c."]))


def test_shingles_of_a_short_text_are_the_text():
    assert shingles(["one", "two"], 3) == {b"one two"}
    assert shingles([], 3) == set()
    assert shingles(["a", "b", "c", "a", "b", "c"], 3) == {b"a b c", b"b c a", b"c a b"}


def test_signatures_round_trip_and_identical_texts_sign_alike():
    signer = Signer(num_perm=128, bands=64, seed=1)
    first = signer.signature(shingles(words(BODY), 3))
    second = signer.signature(shingles(words(list(BODY)), 3))
    assert np.array_equal(first, second)
    assert np.array_equal(decode_signatures([encode_signature(first)] * 2, 128), np.stack([first, first]))
    assert len(signer.band_keys(first)) == 64


def test_load_config_reads_the_default_file_and_an_override(tmp_path: Path):
    assert load_config() == load_config(config_path("dedup.toml"))
    override = tmp_path / "dedup.toml"
    override.write_text(config_path("dedup.toml").read_text().replace("window_hours = 72", "window_hours = 24"))
    assert load_config(override).window == timedelta(hours=24)


@pytest.mark.parametrize(
    "change",
    [
        {"bands": 60},
        {"min_shared_bands": 0},
        {"min_shared_bands": 65},
        {"measure": "overlap"},
        {"duplicate_threshold": 0.0},
        {"update_threshold": 1.5},
    ],
)
def test_config_refuses_inconsistent_values(change):
    with pytest.raises(ValueError):
        DedupConfig(**{**dataclasses.asdict(load_config()), **change})


def test_the_state_on_disk_comes_back_after_a_restart(tmp_path):
    state = DiskState(tmp_path / "dedup")
    first = Deduplicator(load_config(), state.stores)
    first.dedupe(story("a", BODY))
    first.dedupe(story("r", RESCUE["body"], headline=RESCUE["headline"]))
    state.close()
    reopened = DiskState(tmp_path / "dedup")
    again = Deduplicator(load_config(), reopened.stores)
    assert again.stored == 2
    assert again.dedupe(story("a", BODY)).outcome is Outcome.REDELIVERY
    copy = again.dedupe(story("p", BODY, source=PARTNER))
    assert (copy.outcome, copy.story_id) == (Outcome.DUPLICATE, "a")
    reopened.close()


def test_eviction_reads_the_expiry_index_not_every_story(dedup):
    dedup.dedupe(story("old", BODY))
    dedup.dedupe(story("live", RESCUE["body"], at=T0 + timedelta(hours=48)))
    stories = dedup.stores.stories
    read: list[str] = []

    class Watched(MutableMapping[str, Any]):  # the stories store, noting what eviction reads of it
        def __getitem__(self, key):
            read.append(key)
            return stories[key]

        def __setitem__(self, key, value):
            stories[key] = value

        def __delitem__(self, key):
            del stories[key]

        def __iter__(self):
            read.append("*every story*")
            return iter(stories)

        def __len__(self):
            return len(stories)

    dedup.stores = dataclasses.replace(dedup.stores, stories=Watched())
    assert dedup.evict(T0 + timedelta(hours=100)) == 1
    assert read == ["old"] and "live" in stories and "old" not in stories
    assert dedup.stored == 1


@pytest.mark.parametrize(("least", "bands_shared", "candidates"), [(2, 1, []), (2, 2, ["a"]), (1, 1, ["a"])])
def test_a_stored_story_is_a_candidate_when_it_shares_enough_bands(least, bands_shared, candidates):
    """One shared band of two rows is weak evidence (Jaccard 0.02 passes it one time in 40): the shipped config
    asks for two, which passes such pairs eighty times less often."""
    config = dataclasses.replace(load_config(), min_shared_bands=least)
    deduplicator = Deduplicator(config, DedupStores(stories={}, bands={}, fingerprints={}, items={}))
    deduplicator.dedupe(story("a", BODY))
    text = deduplicator._text(story("r", RESCUE["body"], headline=RESCUE["headline"]))
    deduplicator.stores.bands.clear()
    for key in text.band_keys[:bands_shared]:
        deduplicator.stores.bands[key] = "a"
    assert [candidate for candidate, *_ in deduplicator._candidates(text)] == candidates


def test_a_dedup_config_written_before_min_shared_bands_matches_on_one_band(tmp_path):
    older = tmp_path / "dedup.toml"
    older.write_text(
        "\n".join(
            line for line in config_path("dedup.toml").read_text().splitlines() if "min_shared_bands =" not in line
        )
    )
    assert load_config(older).min_shared_bands == 1
    assert load_config().min_shared_bands == 2
