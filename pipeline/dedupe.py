"""Story deduplication: each story comes out as new, as an update of a story already seen, as a duplicate of one
carried by another source, or as a redelivery of an item already processed.

Pure logic over mappings the caller owns (dicts in tests, changelog-backed Faust tables in the worker), so the
state survives a restart wherever the mappings do. Values are JSON-serialisable and every change assigns a fresh
value, never mutates one in place, so a table sees each write. Only the story paragraphs count (`body`):
captions, comments and page furniture never move a decision.

The rules, with the measure and thresholds of `config/dedup.toml` (justified by
tests/unit/test_dedup_evaluation.py), against stories whose newest sighting is within the window:

1. An item (`story_id`) seen before is a `redelivery` when its headline and text are unchanged; otherwise it
   is filed again under the same story, whatever its similarity, by rule 3 or 4. A redelivery carries the text
   (is indexed again) only when it is the item that set the story's current text: a partner's copy coming again
   changes no text and no primary source, however exact a copy it is.
2. Candidates are the stories with the same exact fingerprint (score 1) or sharing a MinHash LSH band (score by
   the configured measure), best first.
3. A candidate from the same lineage (the same publisher, with a compatible agency, as a source that set the
   story's text: the first one or an accepted update) scoring at least `update_threshold` makes an `update`:
   its `story_id`, the version incremented, the newest text winning. A copy of the text it holds, or a version
   older than that text, is a `duplicate` instead, which changes no text.
4. A candidate from another lineage scoring at least `duplicate_threshold` makes a `duplicate`: the story
   keeps the candidate's text and `story_id` and gains the new source. A partner carrying the story never
   replaces its text; the flip side is that a story first seen through a partner keeps the partner's text
   when the agency's own versions arrive later (they are recorded as sources).
5. Anything else is `new`.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections import Counter
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypedDict

import numpy as np

from pipeline.config_dir import config_path
from pipeline.fingerprint import (
    MEASURES,
    Signer,
    decode_signatures,
    digest,
    encode_signature,
    jaccard,
    share_found,
    shingles,
    words,
)
from pipeline.record import Source, StoryRecord
from pipeline.times import parse_time


@dataclass(frozen=True, slots=True)
class DedupConfig:
    window_hours: float
    shingle_words: int
    num_perm: int
    bands: int
    seed: int
    measure: str  # a name in `fingerprint.MEASURES`
    duplicate_threshold: float
    update_threshold: float
    related_threshold: float  # a new story this close to a known one is linked to it (`related`), not merged
    # a stored story is a candidate when it shares at least this many bands with the item; 1 for a dedup.toml
    # written before the setting, which matched that way
    min_shared_bands: int = 1

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise ValueError(f"measure must be one of {', '.join(MEASURES)}, not {self.measure!r}")
        if self.num_perm % self.bands:
            raise ValueError(f"num_perm ({self.num_perm}) must be a multiple of bands ({self.bands})")
        if not 1 <= self.min_shared_bands <= self.bands:
            raise ValueError(f"min_shared_bands must be between 1 and bands ({self.bands})")
        for name in ("duplicate_threshold", "update_threshold", "related_threshold"):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in (0, 1]")
        if self.related_threshold > min(self.duplicate_threshold, self.update_threshold):
            raise ValueError("related_threshold must not be above the duplicate and update thresholds")

    @property
    def window(self) -> timedelta:
        return timedelta(hours=self.window_hours)


def load_config(path: Path | None = None) -> DedupConfig:
    """The given file, by default config/dedup.toml."""
    with (path or config_path("dedup.toml")).open("rb") as file:
        return DedupConfig(**tomllib.load(file))


class StoredStory(TypedDict):
    """One canonical story in `DedupStores.stories`."""

    signature: str  # MinHash signature of the current text (`fingerprint.encode_signature`)
    shingles: int  # distinct shingles in the current text, for the measures that need set sizes
    text_digest: str  # digest of the current headline and text: tells an update from a copy
    text_time: float  # story time (epoch seconds) of the current text: an older version never replaces it
    version: int
    first_seen: float  # story time of the first version
    last_seen: float  # newest story time filed under it: the window counts from here
    agency: str | None
    sources: list[dict[str, Any]]  # `Source` fields of every source that carried it, in arrival order
    lineage: list[dict[str, Any]]  # the sources that set its text (the first, then accepted updates)
    fingerprints: list[str]  # exact fingerprints filed under it, removed with it
    items: list[str]  # story_ids of the items filed under it, removed with it


class SeenItem(TypedDict):
    """One item in `DedupStores.items`: the story it was filed under, the digest of its headline and text, and
    whether it set the story's text (new or update) rather than being filed as a duplicate."""

    canonical: str
    text_digest: str
    sets_text: bool


@dataclass(frozen=True, slots=True)
class DedupStores:
    """The dedup state: mappings from str to JSON-serialisable values, in memory (dicts) or on disk
    (`pipeline.dedup_disk`).

    `stories`: canonical story_id → `StoredStory`. `bands`: LSH band key ("band:rows in hex") → the canonical
    story_ids with that band, separated by spaces (a string, not a list: there are `bands` keys a story, and
    strings cost the garbage collector nothing in an in-memory table). `fingerprints`: exact fingerprint →
    canonical story_id. `items`: story_id of every item filed → `SeenItem`, for redeliveries. `expiry`:
    `expiry_key(last_seen, story_id)` of every story → "", so eviction reads the oldest stories first instead of
    every story (a disk mapping gives its keys in order; `keys_before` reads only the expired ones)."""

    stories: MutableMapping[str, StoredStory]
    bands: MutableMapping[str, str]
    fingerprints: MutableMapping[str, str]
    items: MutableMapping[str, SeenItem]
    expiry: MutableMapping[str, str] = dataclasses.field(default_factory=dict)


def expiry_key(last_seen: float, story_id: str) -> str:
    """A key that sorts by time as a string: epoch seconds zero-padded, then the story."""
    return f"{last_seen:017.3f} {story_id}"


def _keys_before(mapping: MutableMapping[str, str], bound: str) -> list[str]:
    """The keys of `mapping` below `bound`, in order: an ordered read where the mapping offers one."""
    ordered = getattr(mapping, "keys_before", None)
    return list(ordered(bound)) if ordered is not None else sorted(key for key in mapping if key < bound)


class Outcome(StrEnum):
    NEW = "new"
    UPDATE = "update"
    DUPLICATE = "duplicate"
    REDELIVERY = "redelivery"


class Method(StrEnum):
    """What matched: the item id, the exact fingerprint, or MinHash similarity."""

    ITEM = "item"
    EXACT = "exact"
    MINHASH = "minhash"


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one story. `story_id`, `version` and `sources` are the canonical story's after this
    story. `matched` is the story it was filed under, or for a new story the closest candidate that did not
    qualify (None when there was none); `score` is the similarity to `matched` (0 without one). `first_seen` is
    the canonical story's first story time (epoch seconds). `current` says the item's text is the canonical
    story's text now (always for new stories and updates; for a redelivery, when the item set that text and no
    newer version replaced it)."""

    outcome: Outcome
    story_id: str
    version: int
    sources: tuple[Source, ...]
    score: float
    first_seen: float
    current: bool
    matched: str | None = None
    method: Method | None = None
    shared: float = 0.0  # share of this item's text the matched story holds (estimated), why it was merged or not
    related: str | None = None  # for a new story: the known story close enough to link, too far to merge

    @property
    def carries_text(self) -> bool:
        """The record is the story's text to index (new, update, or a redelivery of the current text); otherwise
        only the canonical story's sources change."""
        return self.outcome in (Outcome.NEW, Outcome.UPDATE) or (self.outcome is Outcome.REDELIVERY and self.current)

    def apply(self, record: StoryRecord) -> StoryRecord:
        """The record under the canonical story: its id, version, sources and first-seen time, and this outcome.
        A redelivery of the current text is the same document again, so indexing it twice changes nothing."""
        return dataclasses.replace(
            record,
            story_id=self.story_id,
            version=self.version,
            sources=list(self.sources),
            dedup={
                "outcome": self.outcome.value,
                "matched": self.matched,
                "score": round(self.score, 4),
                "method": self.method.value if self.method else None,
                "item_id": record.story_id,
                "carries_text": self.carries_text,
                "shared": round(self.shared, 4),
                "related": self.related,
            },
            first_seen_at=datetime.fromtimestamp(self.first_seen, UTC).isoformat(timespec="seconds"),
        )


@dataclass(frozen=True, slots=True)
class _Text:
    """A story's text as dedup compares it."""

    fingerprint: str
    text_digest: str
    signature: np.ndarray
    band_keys: list[str]
    shingles: int
    time: float


class Deduplicator:
    """Decides and records each story against the stores; `evict` drops stories that left the window."""

    def __init__(self, config: DedupConfig, stores: DedupStores) -> None:
        self.config = config
        self.stores = stores
        self._signer = Signer(num_perm=config.num_perm, bands=config.bands, seed=config.seed)
        self._window = config.window.total_seconds()
        self._measure = MEASURES[config.measure]
        self._lowest_threshold = min(config.duplicate_threshold, config.update_threshold)
        # Stories held, kept as they come and go: `len` of a table on disk reads every key.
        self.stored = len(stores.stories)

    def dedupe(self, record: StoryRecord) -> Decision:
        if not record.story_id or any(char.isspace() for char in record.story_id):
            raise ValueError(f"a story_id is a non-empty word, not {record.story_id!r}")
        text = self._text(record)
        source = dataclasses.asdict(record.source)
        seen = self.stores.items.get(record.story_id)
        if seen is None and (own := self.stores.stories.get(record.story_id)) is not None:
            # the story this item created, whose item entry a crash lost (each table's changelog is written apart):
            # it comes again as the redelivery it is, not as a duplicate of itself that updates a missing document
            seen = {"canonical": record.story_id, "text_digest": own["text_digest"], "sets_text": True}
        if seen is not None and (story := self._live(seen["canonical"], text.time)) is not None:
            if seen["text_digest"] == text.text_digest:
                # items stored before `sets_text` existed count as duplicates: their document is already indexed
                current = seen.get("sets_text", False) and story["text_digest"] == text.text_digest
                decision = _decision(Outcome.REDELIVERY, seen["canonical"], story, 1.0, Method.ITEM, current=current)
                return dataclasses.replace(decision, shared=1.0)
            score = float(self._scores(text, [story])[0])
            same_lineage = _in_lineage(source, story)
            return self._file(record, text, seen["canonical"], story, score, Method.ITEM, same_lineage=same_lineage)
        nearest: tuple[str, float, StoredStory] | None = None
        for candidate, story, score, method in self._candidates(text):
            nearest = nearest or (candidate, score, story)
            if score < self._lowest_threshold:
                break
            same_lineage = _in_lineage(source, story)
            if same_lineage and score >= self.config.update_threshold:
                return self._file(record, text, candidate, story, score, method, same_lineage=True)
            if not same_lineage and score >= self.config.duplicate_threshold:
                return self._file(record, text, candidate, story, score, method, same_lineage=False)
        return self._add(record, text, nearest)

    def evict(self, now: datetime) -> int:
        """Remove the stories whose newest sighting is older than the window before `now`; how many went."""
        cutoff = now.timestamp() - self._window
        expired = []
        for key in _keys_before(self.stores.expiry, expiry_key(cutoff, "")):
            del self.stores.expiry[key]
            story_id = key.split(" ", 1)[1]
            story = self.stores.stories.get(story_id)
            if story is not None and story["last_seen"] < cutoff:
                expired.append((story_id, story))
        for story_id, story in expired:
            self._unband(story_id, story["signature"])
            for fingerprint in story["fingerprints"]:
                if self.stores.fingerprints.get(fingerprint) == story_id:
                    del self.stores.fingerprints[fingerprint]
            for item in story["items"]:
                if (seen := self.stores.items.get(item)) is not None and seen["canonical"] == story_id:
                    del self.stores.items[item]
            del self.stores.stories[story_id]
        self.stored -= len(expired)
        return len(expired)

    def reindex(self) -> None:
        """Rebuild `bands`, `fingerprints` and `expiry` from `stories`. They are indexes derived from the stories,
        so the worker rebuilds them after the stories table is recovered from its changelog, instead of writing
        dozens of band keys to a changelog for every story. One pass over the stories, none held in memory: a
        fingerprint filed under two stories goes to the first seen, as it did when they were filed."""
        for derived in (self.stores.bands, self.stores.fingerprints, self.stores.expiry):
            derived.clear()
        first_seen: dict[str, float] = {}
        self.stored = 0
        for story_id, story in self.stores.stories.items():
            self.stored += 1
            self._band(
                story_id, self._signer.band_keys(decode_signatures([story["signature"]], self.config.num_perm)[0])
            )
            self.stores.expiry[expiry_key(story["last_seen"], story_id)] = ""
            for fingerprint in story["fingerprints"]:
                holder = self.stores.fingerprints.get(fingerprint)
                if holder is None or story["first_seen"] < first_seen.setdefault(
                    holder, self.stores.stories[holder]["first_seen"]
                ):
                    self.stores.fingerprints[fingerprint] = story_id

    def _text(self, record: StoryRecord) -> _Text:
        tokens = words(record.body)
        shingle_set = shingles(tokens, self.config.shingle_words)
        signature = self._signer.signature(shingle_set)
        return _Text(
            fingerprint=digest(tokens),
            text_digest=digest([*words([record.headline]), "\n", *tokens]),
            signature=signature,
            band_keys=self._signer.band_keys(signature),
            shingles=len(shingle_set),
            time=_story_time(record),
        )

    def _live(self, story_id: str, time: float) -> StoredStory | None:
        story = self.stores.stories.get(story_id)
        return story if story is not None and story["last_seen"] >= time - self._window else None

    def _candidates(self, text: _Text) -> Iterator[tuple[str, StoredStory, float, Method]]:
        """Live candidate stories, best score first: the exact match, then the LSH candidates."""
        exact = self.stores.fingerprints.get(text.fingerprint)
        if exact is not None and (story := self._live(exact, text.time)) is not None:
            yield exact, story, 1.0, Method.EXACT
        shared = Counter(story_id for key in text.band_keys for story_id in self.stores.bands.get(key, "").split())
        least = self.config.min_shared_bands
        ids = sorted(story_id for story_id, bands in shared.items() if bands >= least and story_id != exact)
        live = [(story_id, story) for story_id in ids if (story := self._live(story_id, text.time)) is not None]
        if not live:
            return
        scores = self._scores(text, [story for _, story in live])
        for index in np.argsort(-scores, kind="stable"):
            story_id, story = live[index]
            yield story_id, story, float(scores[index]), Method.MINHASH

    def _scores(self, text: _Text, stories: list[StoredStory]) -> np.ndarray:
        signatures = decode_signatures([story["signature"] for story in stories], self.config.num_perm)
        estimates = jaccard(text.signature, signatures)
        return self._measure(estimates, text.shingles, np.array([story["shingles"] for story in stories]))

    def _share(self, text: _Text, story: StoredStory) -> float:
        """The share of the item's text the story holds, estimated from the MinHash signatures."""
        estimate = jaccard(text.signature, decode_signatures([story["signature"]], self.config.num_perm))
        return float(share_found(estimate, text.shingles, np.array([story["shingles"]]))[0])

    def _add(self, record: StoryRecord, text: _Text, nearest: tuple[str, float, StoredStory] | None) -> Decision:
        story: StoredStory = {
            "signature": encode_signature(text.signature),
            "shingles": text.shingles,
            "text_digest": text.text_digest,
            "text_time": text.time,
            "version": 1,
            "first_seen": text.time,
            "last_seen": text.time,
            "agency": record.source.agency,
            "sources": [dataclasses.asdict(record.source)],
            "lineage": [dataclasses.asdict(record.source)],
            "fingerprints": [text.fingerprint],
            "items": [record.story_id],
        }
        if (expired := self.stores.stories.get(record.story_id)) is not None:  # out of the window, not yet evicted
            self._unband(record.story_id, expired["signature"])
            self.stores.expiry.pop(expiry_key(expired["last_seen"], record.story_id), None)
        else:
            self.stored += 1
        self.stores.stories[record.story_id] = story
        self.stores.expiry[expiry_key(text.time, record.story_id)] = ""
        self._band(record.story_id, text.band_keys)
        self.stores.fingerprints[text.fingerprint] = record.story_id
        self.stores.items[record.story_id] = {
            "canonical": record.story_id,
            "text_digest": text.text_digest,
            "sets_text": True,
        }
        if nearest is None:
            return _decision(Outcome.NEW, record.story_id, story, 0.0, None, current=True)
        matched, score, closest = nearest
        decision = _decision(Outcome.NEW, record.story_id, story, score, None, matched=matched, current=True)
        related = matched if score >= self.config.related_threshold else None
        return dataclasses.replace(decision, shared=self._share(text, closest), related=related)

    def _file(
        self,
        record: StoryRecord,
        text: _Text,
        story_id: str,
        story: StoredStory,
        score: float,
        method: Method,
        *,
        same_lineage: bool,
    ) -> Decision:
        """File the story under `story_id`: as an update when it brings newer text from the same lineage,
        otherwise as a duplicate (another source, or a copy or older version of the text it holds)."""
        newer_text = text.text_digest != story["text_digest"] and text.time >= story["text_time"]
        update = same_lineage and newer_text
        source = dataclasses.asdict(record.source)
        filed: StoredStory = {
            **story,
            "last_seen": max(story["last_seen"], text.time),
            "sources": story["sources"] if source in story["sources"] else [*story["sources"], source],
            "fingerprints": _with(story["fingerprints"], text.fingerprint),
            "items": _with(story["items"], record.story_id),
        }
        if update:
            self._unband(story_id, story["signature"])
            filed.update(
                signature=encode_signature(text.signature),
                shingles=text.shingles,
                text_digest=text.text_digest,
                text_time=text.time,
                version=story["version"] + 1,
                agency=record.source.agency or story["agency"],
                lineage=story["lineage"] if source in story["lineage"] else [*story["lineage"], source],
            )
            self._band(story_id, text.band_keys)
        if filed["last_seen"] != story["last_seen"]:
            self.stores.expiry.pop(expiry_key(story["last_seen"], story_id), None)
            self.stores.expiry[expiry_key(filed["last_seen"], story_id)] = ""
        self.stores.stories[story_id] = filed
        self.stores.fingerprints.setdefault(text.fingerprint, story_id)
        self.stores.items[record.story_id] = {
            "canonical": story_id,
            "text_digest": text.text_digest,
            "sets_text": update,
        }
        outcome = Outcome.UPDATE if update else Outcome.DUPLICATE
        decision = _decision(outcome, story_id, filed, score, method, current=update)
        return dataclasses.replace(decision, shared=self._share(text, story))

    def _band(self, story_id: str, keys: list[str]) -> None:
        for key in keys:
            held = self.stores.bands.get(key, "")
            if story_id not in held.split():
                self.stores.bands[key] = f"{held} {story_id}" if held else story_id

    def _unband(self, story_id: str, signature: str) -> None:
        for key in self._signer.band_keys(decode_signatures([signature], self.config.num_perm)[0]):
            remaining = " ".join(other for other in self.stores.bands.get(key, "").split() if other != story_id)
            if remaining:
                self.stores.bands[key] = remaining
            else:
                self.stores.bands.pop(key, None)


def _decision(
    outcome: Outcome,
    story_id: str,
    story: StoredStory,
    score: float,
    method: Method | None,
    *,
    current: bool,
    matched: str | None = None,
) -> Decision:
    return Decision(
        outcome=outcome,
        story_id=story_id,
        version=story["version"],
        sources=tuple(Source(**source) for source in story["sources"]),
        score=score,
        first_seen=story["first_seen"],
        current=current,
        matched=matched if outcome is Outcome.NEW else story_id,
        method=method,
    )


def _with(values: list[str], value: str) -> list[str]:
    """`values` with `value` added once, as a new list (mappings must see a new value, not a mutated one)."""
    return values if value in values else [*values, value]


def _in_lineage(source: dict[str, Any], story: StoredStory) -> bool:
    return any(_same_lineage(source, other) for other in story["lineage"])


def _same_lineage(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two sources (`Source` fields) with the same publisher and agencies that do not contradict each other
    ("Northstar" from a dateline and "Northstar Press" from a copyright line are one agency; a missing agency
    contradicts nothing)."""
    if _name(a["publisher"]) != _name(b["publisher"]):
        return False
    first, second = _name(a["agency"]), _name(b["agency"])
    return not first or not second or first.startswith(second) or second.startswith(first)


def _name(value: str | None) -> str:
    return "".join(char for char in (value or "").casefold() if char.isalnum())


def _story_time(record: StoryRecord) -> float:
    """Publication time capped at ingest time, so a future-dated item cannot outstay the window; a record with
    neither time readable counts as seen now. Epoch seconds."""
    times = [moment for value in (record.published_at, record.ingested_at) if (moment := parse_time(value))]
    return min(times, default=datetime.now(UTC)).timestamp()
