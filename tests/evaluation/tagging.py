"""Held-out evaluation of country and actor tagging on real news text: the Lee corpus (300 ABC news documents).

The text is not in the repository: `deploy/local/install` takes it out of gensim 4.3.3's wheel into
`.state/data/lee_background.cor` (or set WIRESTREAM_LEE_CORPUS). The gold labels are tests/data/lee/annotations.jsonl,
written under the rules of tests/data/lee/ANNOTATION.md. Even document numbers are the dev half, odd ones the
held-out half. Each document goes through `pipeline.process.process` as plain text from "abc", and the record's
countries, persons and organisations are scored against the gold labels, micro-averaged over the documents.

    .venv/bin/python -m tests.evaluation.tagging --split heldout [--errors] [--json FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ANNOTATIONS = ROOT / "tests" / "data" / "lee" / "annotations.jsonl"
GAZETTEER = ROOT / "config" / "gazetteers" / "actors.toml"
OFFICE_HOLDERS = ROOT / "config" / "gazetteers" / "office-holders.toml"
CORPUS_SHA256 = "5d78d6dafd953bbf65797bef09a9ffb9ec430583381be705f8fd460000f370fb"
DOCUMENTS = 300
SPLITS = ("dev", "heldout")
CATEGORIES = ("countries", "persons", "organisations")
KIND_OF = {"persons": "person", "organisations": "organisation"}
# The documents carry no dates; they are ABC news mail of December 2001 and January 2002 (Tora Bora, the Ansett
# collapse, Moussaoui's indictment), and a story is dated when it is received, as on a live wire.
RECEIVED_AT = "2001-12-15T00:00:00+00:00"
MAX_BYTES = 2_000_000  # the default of Settings.max_story_bytes; the longest document is about 6 kB

# Leading titles dropped from a person's name before comparing ("Prime Minister John Howard" ~ "John Howard").
TITLES = (
    *("mr", "mrs", "ms", "miss", "mister", "madam", "dr", "doctor", "sir", "dame", "lord", "lady", "prof"),
    *("professor", "rev", "reverend", "father", "sister", "brother", "president", "minister", "premier"),
    *("chancellor", "senator", "sen", "treasurer", "governor", "mayor", "ambassador", "secretary", "chairman"),
    *("chairwoman", "commissioner", "general", "gen", "lieutenant", "lt", "colonel", "col", "major", "maj"),
    *("captain", "capt", "commander", "admiral", "brigadier", "sergeant", "sgt", "constable", "detective"),
    *("inspector", "superintendent", "judge", "justice", "magistrate", "coroner", "king", "queen", "prince"),
    *("princess", "sheikh", "pope", "cardinal", "archbishop", "bishop", "imam", "mullah", "spokesman"),
    *("spokeswoman", "coach"),
)
TITLE_PHRASES = (
    *("vice president", "prime minister", "deputy prime minister", "deputy premier", "governor general"),
    *("lord mayor", "secretary general", "secretary of state", "attorney general", "opposition leader"),
    *("chief executive", "assistant commissioner", "police commissioner", "chief minister", "crown prince"),
    *("foreign minister", "foreign affairs minister", "defence minister", "defence secretary", "defense secretary"),
)
_TITLES = sorted(
    {tuple(phrase.split()) for phrase in TITLE_PHRASES} | {(word,) for word in TITLES}, key=len, reverse=True
)
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
_ACRONYM_SKIP = {"of", "the", "and", "for", "in", "on", "at", "de", "du", "des", "la", "le", "et"}
_SEPARATORS = re.compile(r"[\-\u2010-\u2015/]")


@dataclass(slots=True)
class Counts:
    """True positives, false positives and false negatives of one category, summed over documents."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    ignored: int = 0  # system items that matched an uncertain name: neither right nor wrong

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.ignored += other.ignored


@dataclass(frozen=True, slots=True)
class Error:
    """One scoring error: `error` is "missed" (gold not found), "spurious" (matches nothing) or "kind confusion"."""

    doc: int
    category: str  # countries, persons or organisations
    error: str
    name: str
    note: str = ""


@dataclass(slots=True)
class DocumentScore:
    counts: dict[str, Counts] = field(default_factory=lambda: {category: Counts() for category in CATEGORIES})
    errors: list[Error] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    split: str
    documents: int
    seconds: float
    counts: dict[str, Counts]
    errors: list[Error]
    coverage: dict[str, tuple[int, int]]  # kind -> (gold items named in the gazetteer, gold items)
    failures: list[tuple[int, str]] = field(default_factory=list)  # (doc, why the pipeline gave no record)

    @property
    def crashed(self) -> list[tuple[int, str]]:
        """Documents the pipeline raised on with anything but `Rejected` (a bug, not a refusal)."""
        return [(doc, why) for doc, why in self.failures if not why.startswith("rejected")]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: figures per category, gazetteer coverage, errors."""
        return {
            "split": self.split,
            "documents": self.documents,
            "seconds": round(self.seconds, 2),
            "scores": {
                category: {
                    **asdict(counts),
                    "precision": round(counts.precision, 4),
                    "recall": round(counts.recall, 4),
                    "f1": round(counts.f1, 4),
                }
                for category, counts in self.counts.items()
            },
            "gazetteer_coverage": {
                kind: {"covered": covered, "total": total, "share": round(covered / total, 4) if total else None}
                for kind, (covered, total) in self.coverage.items()
            },
            "failures": [{"doc": doc, "reason": reason} for doc, reason in self.failures],
            "errors": [asdict(error) for error in self.errors],
        }


# ---------------------------------------------------------------------------------------------------- the data


def corpus_path() -> Path:
    """WIRESTREAM_LEE_CORPUS, else data/lee_background.cor in the state directory deploy/local/install fills."""
    if explicit := os.environ.get("WIRESTREAM_LEE_CORPUS"):
        return Path(explicit)
    return Path(os.environ.get("WIRESTREAM_STATE") or ROOT / ".state") / "data" / "lee_background.cor"


def corpus_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_documents(path: Path | None = None) -> list[str]:
    """The corpus's documents, one a line, numbered from 0 in file order."""
    lines = (path or corpus_path()).read_text(encoding="utf-8").split("\n")
    if lines and not lines[-1]:
        lines.pop()
    return lines


def load_annotations(path: Path = ANNOTATIONS) -> list[dict[str, Any]]:
    """The gold labels, one dict a document, in document order."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sorted(rows, key=lambda row: row["doc"])


def split_of(doc: int) -> str:
    """Even document numbers are the dev half, odd ones the held-out half."""
    return "dev" if doc % 2 == 0 else "heldout"


def tag(doc: int, text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(countries, actors) of the record the pipeline makes of one document, as plain text from the ABC."""
    from pipeline.process import process
    from pipeline.raw import RawItem

    item = RawItem(
        key=f"lee-{doc}",
        value=text.encode(),
        source="abc",
        content_type="text/plain",
        connector="evaluation",
        received_at=RECEIVED_AT,
    )
    record = process(item, max_bytes=MAX_BYTES)
    return list(record.countries), list(record.actors)


# ----------------------------------------------------------------------------------------------------- matching


def tokens(text: str, *, titles: bool = True) -> list[str]:
    """Words of a name: casefolded, accents stripped, hyphens and slashes as spaces, other punctuation dropped,
    a leading "the" dropped, and (with `titles`) leading titles dropped ("Mr", "Prime Minister")."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = _SEPARATORS.sub(" ", text)
    words = "".join(char for char in text if char.isalnum() or char.isspace()).split()
    if words[:1] == ["the"] and len(words) > 1:
        words = words[1:]
    while titles:
        title = next((t for t in _TITLES if len(words) > len(t) and tuple(words[: len(t)]) == t), None)
        if title is None:
            break
        words = words[len(title) :]
    return words


def normalise(text: str, *, titles: bool = True) -> str:
    """A name as compared: see `tokens`."""
    return " ".join(tokens(text, titles=titles))


def system_surfaces(item: dict[str, Any]) -> list[str]:
    """Every form a system tag was found or named by: its name, aliases seen and evidence surfaces."""
    evidence = item.get("evidence") or {}
    forms = [item["name"]] if item.get("name") else []
    return forms + list(item.get("aliases_seen") or ()) + list(evidence.get("surfaces") or ())


def gold_surfaces(item: dict[str, Any]) -> list[str]:
    """The gold name and the mentions the annotator listed."""
    return [item["name"], *item.get("mentions", ())]


def forms(surfaces: Iterable[str], *, titles: bool) -> set[str]:
    return {form for surface in surfaces if (form := normalise(surface, titles=titles))}


def _first_last(name: str) -> tuple[str | None, str | None]:
    words = tokens(name)
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words = words[:-1]
    if not words:
        return None, None
    return (words[0] if len(words) > 1 else None), words[-1]


def _compatible(first: str | None, other: str | None) -> bool:
    if first is None or other is None or first == other:
        return True
    return (len(first) == 1 and other.startswith(first)) or (len(other) == 1 and first.startswith(other))


def same_person_name(a: str, b: str) -> bool:
    """Same surname (last word) and compatible first names: one missing, equal, or one the other's initial."""
    first_a, last_a = _first_last(a)
    first_b, last_b = _first_last(b)
    return last_a is not None and last_a == last_b and _compatible(first_a, first_b)


EXACT, LOOSE, NONE = 2, 1, 0  # how well a system tag matches a gold item


def person_match(system: dict[str, Any], gold: dict[str, Any]) -> int:
    """EXACT if a name, alias or surface of the system tag equals the gold name or a gold mention, LOOSE if its
    name and the gold name share the surname with compatible first names (all after `normalise`), else NONE."""
    if forms(system_surfaces(system), titles=True) & forms(gold_surfaces(gold), titles=True):
        return EXACT
    return LOOSE if system.get("name") and same_person_name(system["name"], gold["name"]) else NONE


def person_matches(system: dict[str, Any], gold: dict[str, Any]) -> bool:
    """Whether a system tag is the gold person (see `person_match`)."""
    return person_match(system, gold) != NONE


def acronyms(names: Iterable[str]) -> set[str]:
    """Initials of each name of two words or more, with and without small words ("un", "fbi", "let")."""
    found = set()
    for name in names:
        words = name.split()
        if len(words) < 2:
            continue
        found.add("".join(word[0] for word in words))
        if kept := [word for word in words if word not in _ACRONYM_SKIP]:
            found.add("".join(word[0] for word in kept))
    return {acronym for acronym in found if len(acronym) > 1}


def organisation_match(system: dict[str, Any], gold: dict[str, Any]) -> int:
    """EXACT if a name, alias or surface of the system tag equals the gold name or a gold mention after `normalise`
    (titles kept), LOOSE if an acronym of a form of one side is a form of the other ("UN"), else NONE."""
    ours = forms(system_surfaces(system), titles=False)
    theirs = forms(gold_surfaces(gold), titles=False)
    if ours & theirs:
        return EXACT
    return LOOSE if acronyms(ours) & theirs or acronyms(theirs) & ours else NONE


def organisation_matches(system: dict[str, Any], gold: dict[str, Any]) -> bool:
    """Whether a system tag is the gold organisation (see `organisation_match`)."""
    return organisation_match(system, gold) != NONE


Matcher = Callable[[dict[str, Any], dict[str, Any]], int]
MATCHERS: dict[str, Matcher] = {"persons": person_match, "organisations": organisation_match}


def pair_up(system: Sequence[dict[str, Any]], gold: Sequence[dict[str, Any]], match: Matcher) -> dict[int, int]:
    """gold index -> system index, one to one: as many EXACT pairs as possible (augmenting paths), then as many
    LOOSE pairs as possible among what is left, so a surname match never takes a tag another gold item names."""
    strength = [[match(tag, item) for tag in system] for item in gold]
    owner: dict[int, int] = {}  # system index -> gold index

    def augment(g: int, edges: list[list[int]], seen: set[int]) -> bool:
        for s in edges[g]:
            if s not in seen:
                seen.add(s)
                if s not in owner or augment(owner[s], edges, seen):
                    owner[s] = g
                    return True
        return False

    for least in (EXACT, LOOSE):
        matched = set(owner.values())
        edges = [
            [] if g in matched else [s for s, value in enumerate(row) if value >= least and s not in owner]
            for g, row in enumerate(strength)
        ]
        for g in range(len(gold)):
            if g not in owner.values():
                augment(g, edges, set())
    return {g: s for s, g in owner.items()}


def is_uncertain(surfaces: Iterable[str], uncertain: Iterable[str], *, titles: bool) -> bool:
    """True when a form equals an uncertain name or is contained in one (whole words), after `normalise`."""
    names = forms(uncertain, titles=True) | forms(uncertain, titles=False)
    return any(f" {form} " in f" {name} " for form in forms(surfaces, titles=titles) for name in names)


# ------------------------------------------------------------------------------------------------------ scoring


def score_document(
    doc: int, countries: Sequence[dict[str, Any]], actors: Sequence[dict[str, Any]], gold: dict[str, Any]
) -> DocumentScore:
    """Counts and errors of one document: system countries and actors (as in a StoryRecord) against its gold."""
    score = DocumentScore()
    uncertain = gold.get("uncertain", [])

    wanted = set(gold["countries"])
    found = {tag["code"]: tag for tag in countries}
    counts = score.counts["countries"]
    counts.tp = len(wanted & found.keys())
    for code in sorted(wanted - found.keys()):
        counts.fn += 1
        score.errors.append(Error(doc, "countries", "missed", code))
    for code in sorted(found.keys() - wanted):
        surfaces = (found[code].get("evidence") or {}).get("surfaces") or []
        if is_uncertain(surfaces, uncertain, titles=False):
            counts.ignored += 1
            continue
        counts.fp += 1
        score.errors.append(Error(doc, "countries", "spurious", code, ", ".join(surfaces)))

    golds: dict[str, list[dict[str, Any]]] = {}
    doubtful: dict[str, list[dict[str, Any]]] = {}
    for category in KIND_OF:
        titles = category == "persons"
        golds[category], doubtful[category] = [], []
        for item in gold.get(category, []):
            listed = forms(gold_surfaces(item), titles=titles) & (
                forms(uncertain, titles=True) | forms(uncertain, titles=False)
            )
            (doubtful if listed else golds)[category].append(item)

    for category, kind in KIND_OF.items():
        other = next(c for c in KIND_OF if c != category)
        system = [tag for tag in actors if tag.get("kind") == kind]
        pairs = pair_up(system, golds[category], MATCHERS[category])
        counts = score.counts[category]
        counts.tp = len(pairs)
        for g, item in enumerate(golds[category]):
            if g not in pairs:
                counts.fn += 1
                score.errors.append(Error(doc, category, "missed", item["name"]))
        matched = set(pairs.values())
        for s, tag in enumerate(system):
            if s in matched:
                continue
            if any(MATCHERS[category](tag, item) for item in doubtful[category]) or is_uncertain(
                system_surfaces(tag), uncertain, titles=category == "persons"
            ):
                counts.ignored += 1
                continue
            counts.fp += 1
            confused = next((item for item in golds[other] if MATCHERS[other](tag, item)), None)
            if confused is not None:
                note = f"system {kind} is gold {KIND_OF[other]} {confused['name']!r}"
                score.errors.append(Error(doc, category, "kind confusion", tag["name"], note))
                continue
            note = tag.get("id", "")
            if twin := next((item for item in golds[category] if MATCHERS[category](tag, item)), None):
                note += f"; a second tag for gold {twin['name']!r}"
            score.errors.append(Error(doc, category, "spurious", tag["name"], note))
    return score


def gazetteer_forms(path: Path = GAZETTEER, offices: Path = OFFICE_HOLDERS) -> dict[str, set[str]]:
    """kind -> the normalised names and aliases of the actors listed in config/gazetteers/actors.toml and
    office-holders.toml."""
    listed: dict[str, set[str]] = {kind: set() for kind in KIND_OF.values()}
    for actor in tomllib.loads(path.read_text(encoding="utf-8"))["actor"]:
        names = [actor["name"], *actor.get("aliases", ())]
        listed.setdefault(actor["kind"], set()).update(forms(names, titles=actor["kind"] == "person"))
    for person in tomllib.loads(offices.read_text(encoding="utf-8"))["person"]:
        listed["person"].update(forms([person["name"], *person.get("aliases", ())], titles=True))
    return listed


def coverage(annotations: Iterable[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """kind -> (gold items whose name is a listed actor's name or alias, gold items); uncertain ones left out."""
    listed = gazetteer_forms()
    found: dict[str, tuple[int, int]] = {}
    for category, kind in KIND_OF.items():
        titles = category == "persons"
        covered = total = 0
        for gold in annotations:
            doubtful = forms(gold.get("uncertain", []), titles=True) | forms(gold.get("uncertain", []), titles=False)
            for item in gold.get(category, []):
                if forms(gold_surfaces(item), titles=titles) & doubtful:
                    continue
                total += 1
                covered += normalise(item["name"], titles=titles) in listed[kind]
        found[category] = (covered, total)
    return found


def evaluate(split: str, corpus: Path | None = None) -> Report:
    """Tag and score every document of one split ("dev" or "heldout")."""
    from pipeline.formats import Rejected

    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    documents = load_documents(corpus)
    annotations = [gold for gold in load_annotations() if split_of(gold["doc"]) == split]
    totals = {category: Counts() for category in CATEGORIES}
    errors: list[Error] = []
    failures: list[tuple[int, str]] = []
    started = time.perf_counter()
    for gold in annotations:
        doc = gold["doc"]
        try:
            countries, actors = tag(doc, documents[doc])
        except Rejected as refusal:  # scored as a record with no tags
            failures.append((doc, f"rejected: {refusal}"))
            countries, actors = [], []
        except Exception as exc:  # a pipeline bug: reported, scored as no tags, the other documents still run
            failures.append((doc, f"crashed: {type(exc).__name__}: {exc}"))
            countries, actors = [], []
        score = score_document(doc, countries, actors, gold)
        for category, counts in score.counts.items():
            totals[category].add(counts)
        errors.extend(score.errors)
    seconds = time.perf_counter() - started
    return Report(split, len(annotations), seconds, totals, errors, coverage(annotations), failures)


# ---------------------------------------------------------------------------------------------------------- CLI


def format_table(report: Report) -> str:
    """Precision, recall and F1 per category with their counts, then the gazetteer coverage."""
    lines = [
        f"Lee corpus, {report.split} split: {report.documents} documents tagged in {report.seconds:.1f} s",
        f"{'':14} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5} {'ignored':>8}",
    ]
    for category, c in report.counts.items():
        lines.append(
            f"{category:14} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.tp:5d} {c.fp:5d} {c.fn:5d} {c.ignored:8d}"
        )
    shares = ", ".join(
        f"{category} {covered}/{total} ({covered / total:.1%})" if total else f"{category} 0/0"
        for category, (covered, total) in report.coverage.items()
    )
    lines.append(f"gazetteer coverage (gold names listed in actors.toml or office-holders.toml): {shares}")
    lines.extend(f"no record (scored as no tags): doc {doc}: {why}" for doc, why in report.failures)
    return "\n".join(lines)


def format_errors(report: Report) -> str:
    """The errors grouped by kind of error and category, each with its document number."""
    lines = []
    for error_kind in ("missed", "spurious", "kind confusion"):
        for category in CATEGORIES:
            chosen = [e for e in report.errors if e.error == error_kind and e.category == category]
            if not chosen:
                continue
            lines.append(f"{error_kind} {category} ({len(chosen)}):")
            lines.extend(f"  doc {e.doc:3d}  {e.name}" + (f"  [{e.note}]" if e.note else "") for e in chosen)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: score one split, print the table (and errors), optionally write JSON."""
    parser = argparse.ArgumentParser(prog="python -m tests.evaluation.tagging", description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=SPLITS, required=True)
    parser.add_argument("--errors", action="store_true", help="list missed, spurious and kind-confused items")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures and errors as JSON")
    args = parser.parse_args(argv)
    path = corpus_path()
    if not path.is_file():
        print(f"the Lee corpus is missing ({path}): run deploy/local/install", file=sys.stderr)
        return 2
    report = evaluate(args.split, path)
    print(format_table(report))
    if args.errors:
        print(format_errors(report))
    if args.json:
        args.json.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
