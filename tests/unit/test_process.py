"""The shared per-item pipeline, the files it reads offline, and the `process` and `bench` commands."""

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main
from pipeline.enrich import enrich
from pipeline.parse import parse
from pipeline.process import items_from_paths, process
from tests.conftest import ROOT, SAMPLES
from tools.benchmark.stages import parse_formats

RAW = ROOT / "tests" / "data" / "raw"


def without_times(record: dict[str, object]) -> dict[str, object]:
    return {name: value for name, value in record.items() if name != "ingested_at"}


def printed(out: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The records `process` printed, and its closing summary line."""
    *records, summary = [json.loads(line) for line in out.splitlines()]
    return records, summary


def test_process_returns_the_parsed_record_with_its_tags() -> None:
    _, item = next(items_from_paths([RAW / "newsml-item.xml"], source="s"))
    record = process(item, max_bytes=100_000)
    assert without_times(record.to_dict()) == without_times(enrich(parse(item, max_bytes=100_000)).to_dict())
    assert record.countries and record.countries == sorted(record.countries, key=lambda tag: -tag["score"])


def test_process_tags_only_what_the_story_says_not_its_comments(capsys: pytest.CaptureFixture[str]) -> None:
    """The partner page's readers argue about Germany, Berlin and Chancellor Merz; the story is about Ukraine."""
    assert main(["process", str(RAW / "partner-wordpress.html"), "--source", "partner-daily"]) == 0
    (record,), _ = printed(capsys.readouterr().out)
    comments = " ".join(record["comments"])
    assert "Germany" in comments and "Merz" in comments
    assert record["dateline"] == {"place": "KYIV", "country": "UA"}
    codes = [tag["code"] for tag in record["countries"]]
    assert codes[0] == "UA"
    assert "DE" not in codes
    assert "friedrich-merz" not in [actor["id"] for actor in record["actors"]]
    assert all(tag["evidence"]["count"] >= 1 for tag in record["countries"] + record["actors"])


def test_directories_are_read_recursively_in_order_with_known_extensions_only() -> None:
    labels = [label for label, _ in items_from_paths([RAW], source="s")]
    assert labels == sorted(labels)
    assert str(RAW / "bad" / "binary.txt") in labels
    assert str(RAW / "README.md") not in labels
    assert len(labels) == len([p for p in RAW.rglob("*") if p.suffix in (".html", ".json", ".xml", ".txt")])


def test_content_type_comes_from_the_extension() -> None:
    types = {Path(label).suffix: item.content_type for label, item in items_from_paths([RAW], source="s")}
    assert types == {".html": "text/html", ".json": "application/json", ".xml": "application/xml", ".txt": "text/plain"}


def test_a_jsonl_file_is_one_story_a_line() -> None:
    lines = SAMPLES.read_text().splitlines()
    items = list(items_from_paths([SAMPLES], source="s"))
    assert [label for label, _ in items] == [f"{SAMPLES}:{n}" for n in range(1, len(lines) + 1)]
    assert all(item.content_type == "application/json" for _, item in items)


def test_process_command_prints_the_record_that_would_be_indexed(capsys: pytest.CaptureFixture[str]) -> None:
    path = RAW / "partner-wordpress.html"
    assert main(["process", str(path), "--source", "partner-daily"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    (record,), summary = printed(out)
    _, item = next(items_from_paths([path], source="partner-daily"))
    assert record.pop("file") == str(path)
    assert record.pop("dedup")["outcome"] == "new" and record.pop("first_seen_at")
    expected = process(item, max_bytes=2_000_000).to_dict()
    assert without_times({**record, "dedup": None, "first_seen_at": None}) == without_times(expected)
    assert [story["story_id"] for story in summary["stories"]] == [record["story_id"]]
    body = " ".join(record["body"])
    assert len(record["comments"]) == 6
    for comment in record["comments"]:
        for sentence in re.split(r"(?<=[.!?])\s+|\n", comment):
            assert sentence not in body
    assert record["body"][0].startswith("Ukrainian engineers restored electricity")


def test_process_command_reads_a_story_piped_in(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    page = RAW / "partner-wordpress.html"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(page.read_bytes())))
    assert main(["process", "-", "--source", "partner-daily"]) == 0
    (piped,), _ = printed(capsys.readouterr().out)
    assert main(["process", str(page), "--source", "partner-daily"]) == 0
    (from_file,), _ = printed(capsys.readouterr().out)
    assert piped.pop("file") == "-" and from_file.pop("file") == str(page)
    same = ("headline", "body", "comments", "countries", "actors", "language")
    assert {name: piped[name] for name in same} == {name: from_file[name] for name in same}
    assert main(["process", "-", "-"]) == 2  # one story piped in, read once
    assert "once" in capsys.readouterr().err


def test_process_command_reports_rejections_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["process", str(RAW / "bad"), str(RAW / "ninjs-text.json")]) == 1
    out, err = capsys.readouterr()
    rejections = [json.loads(line) for line in err.splitlines()]
    assert {Path(r["file"]).name for r in rejections} == {p.name for p in (RAW / "bad").iterdir()}
    assert all(r["rejected"] and r["detail"] for r in rejections)
    records, summary = printed(out)
    assert [record["headline"] for record in records] == ["Belgian government agrees 2027 budget after marathon talks"]
    assert summary["rejected"] == len(rejections)


def test_process_files_five_variants_of_one_story_under_one_story(capsys: pytest.CaptureFixture[str]) -> None:
    """The agency's copy, its UPDATE 1, a partner's page with comments, a respelled copy and a trimmed copy."""
    folder = ROOT / "tests" / "data" / "process"
    files = [
        folder / "northstar" / "port-strike.txt",
        folder / "northstar" / "port-strike-update-1.txt",
        folder / "harbour-times" / "port-strike-page.html",
        folder / "coastal-post" / "port-strike-respelled.txt",
        folder / "metro-daily" / "port-strike-trimmed.txt",
    ]
    assert main(["process", *map(str, files)]) == 0
    records, summary = printed(capsys.readouterr().out)
    assert [record["dedup"]["outcome"] for record in records] == [
        "new",
        "update",
        "duplicate",
        "duplicate",
        "duplicate",
    ]
    assert len({record["story_id"] for record in records}) == 1
    (story,) = summary["stories"]
    assert story["version"] == 2
    assert story["headline"] == "UPDATE 1-Dock workers halt Rotterdam container terminals in pay dispute"
    assert [source["publisher"] for source in story["sources"]] == [
        "northstar",
        "harbour-times",
        "coastal-post",
        "metro-daily",
    ]
    assert [item["file"] for item in story["items"]] == list(map(str, files))
    assert all(record["dedup"]["matched"] == story["story_id"] for record in records[1:])


def test_process_command_refuses_missing_paths(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["process", str(RAW / "no-such-file.json")]) == 2
    assert "no-such-file.json" in capsys.readouterr().err


def test_bench_parses_generated_stories_of_every_format() -> None:
    result = parse_formats(40, seed=7)
    assert result["stories"] == 40
    assert result["refused"] == {}
    formats = result["formats"]
    assert {"html", "newsml", "ninjs", "text"} <= {form.removeprefix("partner-") for form in formats}
    assert sum(f["stories"] for f in formats.values()) == 40
    assert all(f["stories_per_second"] > 0 and f["us_per_story"] > 0 for f in formats.values())
    assert formats["ninjs"]["mean_item_bytes"] > 3000
