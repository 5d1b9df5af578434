"""Held-out evaluation of country and person tagging in French, German, Spanish, Italian and Portuguese.

The text is the 215 news documents of each language's Parallel Universal Dependencies treebank
(tests/data/pud/README.md: news translated by professional translators, nobody on the team wrote it), the gold
labels tests/data/pud/annotations/<lang>.jsonl, written blind under tests/data/pud/ANNOTATION.md. Even positions
in a file are the dev half, odd ones the held-out half. Each document goes through `pipeline.process.process` as
the body of a ninjs item (no headline, no language: both are derived as for any story), and the record's
countries and persons are scored as the English evaluation scores them (`tests.evaluation.tagging.score_document`,
organisations left out: they are not annotated here).

    .venv/bin/python -m tests.evaluation.languages --split heldout [--language fr] [--errors] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.evaluation.tagging import MAX_BYTES, SPLITS, Counts, Error, score_document

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "pud"
LANGUAGES = ("fr", "de", "es", "it", "pt", "ru", "ar")
CATEGORIES = ("countries", "persons")


@dataclass(slots=True)
class LanguageReport:
    language: str
    split: str
    documents: int
    seconds: float
    detected: dict[str, int]  # language the pipeline detected → documents
    counts: dict[str, Counts]
    errors: list[Error]

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "split": self.split,
            "documents": self.documents,
            "seconds": round(self.seconds, 2),
            "detected": self.detected,
            "scores": {
                category: {
                    "tp": c.tp,
                    "fp": c.fp,
                    "fn": c.fn,
                    "ignored": c.ignored,
                    "precision": round(c.precision, 4),
                    "recall": round(c.recall, 4),
                }
                for category, c in self.counts.items()
            },
            "errors": [
                {"doc": e.doc, "category": e.category, "error": e.error, "name": e.name, "note": e.note}
                for e in self.errors
            ],
        }


def load(language: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(doc id, text, gold) of every document of one language, in file order."""
    texts = [json.loads(line) for line in (DATA / f"{language}.jsonl").read_text(encoding="utf-8").splitlines()]
    path = DATA / "annotations" / f"{language}.jsonl"
    golds = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if [t["doc"] for t in texts] != [g["doc"] for g in golds]:
        raise ValueError(f"{path}: the documents are not those of {language}.jsonl, in its order")
    return [(t["doc"], t["text"], g) for t, g in zip(texts, golds, strict=True)]


def split_of(position: int) -> str:
    return "dev" if position % 2 == 0 else "heldout"


def evaluate(language: str, split: str) -> LanguageReport:
    """Tag and score every document of one language's split."""
    from pipeline.process import process
    from pipeline.raw import RawItem

    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    totals = {category: Counts() for category in CATEGORIES}
    errors: list[Error] = []
    detected: dict[str, int] = {}
    chosen = [row for position, row in enumerate(load(language)) if split_of(position) == split]
    started = time.perf_counter()
    for doc, text, gold in chosen:
        body = json.dumps({"body_text": text}, ensure_ascii=False).encode()
        item = RawItem(
            key=f"pud-{language}-{doc}",
            value=body,
            source="pud",
            content_type="application/json",
            connector="evaluation",
        )
        record = process(item, max_bytes=MAX_BYTES)
        detected[str(record.language)] = detected.get(str(record.language), 0) + 1
        persons = [actor for actor in record.actors if actor.get("kind") == "person"]
        score = score_document(doc, list(record.countries), persons, {**gold, "organisations": []})
        for category in CATEGORIES:
            totals[category].add(score.counts[category])
        errors += [error for error in score.errors if error.category in CATEGORIES]
    return LanguageReport(language, split, len(chosen), time.perf_counter() - started, detected, totals, errors)


def format_report(report: LanguageReport, *, with_errors: bool) -> str:
    lines = [
        f"{report.language}, {report.split} split: {report.documents} documents in {report.seconds:.1f} s;"
        f" detected languages {report.detected}"
    ]
    for category, c in report.counts.items():
        lines.append(
            f"  {category:10} P {c.precision:.3f}  R {c.recall:.3f}  tp {c.tp:4d}  fp {c.fp:4d}  fn {c.fn:4d}"
            f"  ignored {c.ignored}"
        )
    if with_errors:
        lines += [
            f"  {e.error:9} {e.category:9} {e.doc}  {e.name}" + (f"  [{e.note}]" if e.note else "")
            for e in report.errors
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.evaluation.languages", description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=SPLITS, required=True)
    parser.add_argument(
        "--language", choices=LANGUAGES, action="append", help="one language (repeatable); all by default"
    )
    parser.add_argument("--errors", action="store_true", help="list missed and spurious items")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures and errors as JSON")
    args = parser.parse_args(argv)
    reports = [evaluate(language, args.split) for language in args.language or LANGUAGES]
    for report in reports:
        print(format_report(report, with_errors=args.errors))
    if args.json:
        rows = [report.to_dict() for report in reports]
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
