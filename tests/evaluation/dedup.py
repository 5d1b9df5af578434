"""Dedup scored on real text: 150 pairs of Lee corpus documents (`tests/data/dedup-real/pairs.jsonl`), labelled same
story or different by reading, blind to the deduplicator (rules: `tests/data/dedup-real/ANNOTATION.md`).

Each pair goes through the real parser and tagger as plain text from one publisher ("abc", the corpus is one
outlet's copy: its follow-ups are the hardest negatives), the first document an hour before the second, into a
fresh `Deduplicator` with `config/dedup.toml`. The pair is predicted "same" when the second document is filed
under the first (update, duplicate or redelivery). Even pairs are the dev half, odd ones held out.

    .venv/bin/python -m tests.evaluation.dedup --split heldout [--errors]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.dedupe import Deduplicator, DedupStores, Outcome, load_config
from pipeline.process import process
from pipeline.raw import RawItem
from pipeline.record import StoryRecord
from tests.evaluation.tagging import corpus_path, load_documents

PAIRS = Path(__file__).resolve().parents[1] / "data" / "dedup-real" / "pairs.jsonl"
SPLITS = ("dev", "heldout", "all")
_START = datetime(2002, 1, 1, 9, tzinfo=UTC)


@dataclass
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    true_negatives: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.true_positives / max(1, self.true_positives + self.false_positives)

    @property
    def recall(self) -> float:
        return self.true_positives / max(1, self.true_positives + self.false_negatives)

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "same": self.true_positives + self.false_negatives,
            "different": self.false_positives + self.true_negatives,
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
        }


def pairs(split: str) -> list[dict[str, Any]]:
    labelled = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    wanted = {"dev": 0, "heldout": 1}.get(split)
    return [p for p in labelled if p["label"] != "uncertain" and (wanted is None or p["pair"] % 2 == wanted)]


def record(number: int, text: str, at: datetime) -> StoryRecord:
    item = RawItem(f"lee-{number}", text.encode(), "abc", "text/plain", "evaluation", received_at=at.isoformat())
    return process(item, max_bytes=2_000_000)


def decide(first: StoryRecord, second: StoryRecord) -> dict[str, Any]:
    """The second record's dedup decision after the first, in a fresh deduplicator."""
    deduplicator = Deduplicator(load_config(), DedupStores(stories={}, bands={}, fingerprints={}, items={}))
    deduplicator.dedupe(first)
    decision = deduplicator.dedupe(second)
    return {"outcome": decision.outcome.value, "score": round(decision.score, 3), "method": decision.method}


def score(split: str, documents: list[str] | None = None) -> Score:
    documents = documents if documents is not None else load_documents(corpus_path())
    result = Score()
    records: dict[int, StoryRecord] = {}
    for pair in pairs(split):
        for number in (pair["a"], pair["b"]):
            if number not in records:
                records[number] = record(number, documents[number], _START)
        first = records[pair["a"]]
        second = _later(records[pair["b"]])
        decision = decide(first, second)
        merged = decision["outcome"] != Outcome.NEW.value
        same = pair["label"] == "same"
        if merged and same:
            result.true_positives += 1
        elif merged:
            result.false_positives += 1
            result.errors.append({"kind": "merged different stories", **pair, **decision})
        elif same:
            result.false_negatives += 1
            result.errors.append({"kind": "missed a copy", **pair, **decision})
        else:
            result.true_negatives += 1
    return result


def _later(record: StoryRecord) -> StoryRecord:
    """The record published an hour after the first of its pair."""
    moment = (_START + timedelta(hours=1)).isoformat(timespec="seconds")
    return replace(record, published_at=moment, ingested_at=moment)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=SPLITS, default="dev")
    parser.add_argument("--errors", action="store_true", help="list every pair decided wrong")
    args = parser.parse_args(argv)
    if not corpus_path().is_file():
        print(f"the Lee corpus is missing ({corpus_path()}): run deploy/local/install", file=sys.stderr)
        return 2
    result = score(args.split)
    print(json.dumps({"split": args.split, **result.to_dict()}))
    for error in result.errors if args.errors else ():
        print(json.dumps(error))
    return 0


if __name__ == "__main__":
    sys.exit(main())
