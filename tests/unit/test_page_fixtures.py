"""Pages as partners publish them, plain text and HTML in 28 layouts (`tests/data/pages`, labelled blind to the
parser): headline, dateline, body boundary and comment split each right on at least 95% of pages, no page
refused, and nothing the readers wrote reaches the story or its tags."""

import pytest

from pipeline.formats import Rejected
from pipeline.parse import parse
from pipeline.raw import RawItem
from tests.evaluation.pages import CHECKS, PAGES, Score, labels, record_of, score

FLOOR = 0.95


@pytest.fixture(scope="module")
def result() -> Score:
    return score()


def test_enough_pages_in_several_layouts() -> None:
    names = labels()
    assert len(names) >= 20
    assert {name.rsplit(".", 1)[1] for name in names} == {"txt", "html"}
    assert all((PAGES / name).exists() for name in names)


@pytest.mark.parametrize("check", CHECKS)
def test_each_check_is_right_on_at_least_95_percent_of_pages(result: Score, check: str) -> None:
    wrong = [error["page"] for error in result.errors if error["check"] == check]
    assert result.share(check) >= FLOOR, wrong


def test_no_page_is_refused(result: Score) -> None:
    assert result.refused == []


def test_no_tag_comes_from_outside_the_story(result: Score) -> None:
    assert result.leaks == []


@pytest.mark.parametrize("name", sorted(labels()))
def test_no_comment_reaches_the_parsed_story(name: str) -> None:
    """Through `parse()`, not the tagger: a reader's words are never story text, caption or headline."""
    path = PAGES / name
    record = parse(RawItem(name, path.read_bytes(), "partner", _type(name), "test"), max_bytes=2_000_000)
    story = " ".join([record.headline, *record.body, *record.captions]).casefold()
    for comment in labels()[name]["comments"]:
        assert " ".join(comment.split()).casefold() not in " ".join(story.split())
    for person in labels()[name]["comment_only"]["people"]:
        assert person.casefold() not in story


def test_a_page_with_only_furniture_is_refused_as_empty() -> None:
    with pytest.raises(Rejected) as refused:
        parse(RawItem("k", b"World\n\n5 Comments\n\nLogin to comment\n", "p", "text/plain", "t"), max_bytes=1000)
    assert refused.value.reason == "empty"


def test_fixture_records_are_tagged_from_the_story() -> None:
    record = record_of("01-partner-reuters-photo-first.txt")
    assert {"UA", "DK"} <= {tag["code"] for tag in record.countries}


def _type(name: str) -> str:
    return "text/html" if name.endswith(".html") else "text/plain"
