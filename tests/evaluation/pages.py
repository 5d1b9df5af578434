"""Page parsing scored on the labelled page fixtures (`tests/data/pages`): headline, dateline, body boundary and
comment split, each the share of pages it is right on, and the comment leaks into tags.

`python -m tests.evaluation.pages [--errors]` prints the figures; `tests/unit/test_page_fixtures.py` asserts
them. The fixtures were written and labelled blind to the parser (see their README).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.formats import Rejected
from pipeline.process import CONTENT_TYPES, process
from pipeline.raw import RawItem
from pipeline.record import StoryRecord

PAGES = Path(__file__).resolve().parent.parent / "data" / "pages"
CHECKS = ("headline", "dateline", "body", "comments")


@dataclass
class Score:
    pages: int = 0
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHECKS, 0))
    errors: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    misread: list[str] = field(default_factory=list)

    def share(self, check: str) -> float:
        return self.right[check] / self.pages if self.pages else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            **{check: round(self.share(check), 3) for check in CHECKS},
            "refused": self.refused,
            "leaks": self.leaks,
            "misread": self.misread,
        }


def labels() -> dict[str, dict[str, Any]]:
    return json.loads((PAGES / "labels.json").read_text(encoding="utf-8"))


def record_of(name: str) -> StoryRecord:
    path = PAGES / name
    item = RawItem(name, path.read_bytes(), "partner", CONTENT_TYPES[path.suffix], "evaluation")
    return process(item, max_bytes=2_000_000)


def checks(record: StoryRecord, label: dict[str, Any]) -> dict[str, bool]:
    """Each check of one page: whether the parser got it right."""
    headline = record.headline_derived if label["headline"] is None else _same(record.headline, label["headline"])
    dateline = record.dateline.place == label["dateline"] and (
        label["dateline"] is None or record.dateline.country == label["dateline_country"]
    )
    body = (
        _same(record.body[0], label["body_first"], prefix=True)
        and _same(record.body[-1], label["body_last"], prefix=True)
        and len(record.body) == label["paragraphs"]
    )
    comments = [_norm(comment) for comment in record.comments] == [_norm(c) for c in label["comments"]]
    return {"headline": headline, "dateline": dateline, "body": body, "comments": comments}


def leaks(record: StoryRecord, label: dict[str, Any]) -> list[str]:
    """Countries and people named only in the page's comments that were tagged from text outside the story: a tag
    whose every evidence surface is missing from the story's own text (headline, dateline, body, captions) came from
    elsewhere. (A comment-only country tagged from a word the story does hold, "Sucre" for Bolivia in a story
    about Colombia's Sucre department, is a tagging error, not a leak: `misread` lists those.)"""
    story = _norm(" ".join([record.headline, record.dateline.place or "", *record.body, *record.captions]))
    found = []
    for tag in [*record.countries, *record.actors]:
        surfaces = tag["evidence"]["surfaces"]
        if not any(_norm(surface) in story for surface in surfaces):
            found.append(tag.get("code") or tag["name"])
    return found


def misread(record: StoryRecord, label: dict[str, Any]) -> list[str]:
    """Comment-only countries and people tagged from the story's own words."""
    codes = {tag["code"] for tag in record.countries}
    names = " ".join(_norm(alias) for actor in record.actors for alias in [actor["name"], *actor["aliases_seen"]])
    found = [code for code in label["comment_only"]["countries"] if code in codes]
    return found + [person for person in label["comment_only"]["people"] if _norm(person) in names]


def score() -> Score:
    result = Score()
    for name, label in sorted(labels().items()):
        result.pages += 1
        try:
            record = record_of(name)
        except Rejected as refusal:
            result.refused.append(f"{name}: {refusal}")
            continue
        for check, right in checks(record, label).items():
            result.right[check] += right
            if not right:
                result.errors.append({"page": name, "check": check, **_shown(record, label, check)})
        result.leaks += [f"{name}: {leak}" for leak in leaks(record, label)]
        result.misread += [f"{name}: {tag}" for tag in misread(record, label)]
    return result


def _shown(record: StoryRecord, label: dict[str, Any], check: str) -> dict[str, Any]:
    if check == "headline":
        return {"got": record.headline, "want": label["headline"]}
    if check == "dateline":
        return {"got": [record.dateline.place, record.dateline.country], "want": [label["dateline"]]}
    if check == "body":
        got = [record.body[0][:60], record.body[-1][:60], len(record.body)]
        return {"got": got, "want": [label["body_first"], label["body_last"], label["paragraphs"]]}
    return {"got": record.comments, "want": label["comments"]}


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _same(got: str, want: str, *, prefix: bool = False) -> bool:
    got, want = _norm(got), _norm(want)
    return got.startswith(want) if prefix else got == want


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list each page a check got wrong")
    args = parser.parse_args(argv)
    result = score()
    print(json.dumps(result.to_dict(), ensure_ascii=False))
    for error in result.errors if args.errors else ():
        print(json.dumps(error, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
