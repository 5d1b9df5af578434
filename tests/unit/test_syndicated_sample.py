"""The real page our users handed us (`../shared/samples/syndicated-page.txt`): a Reuters story as a partner site
carries it, saved as plain text with its photo furniture, byline, dateline line, copyright lines and reader
comments. Read from beside the clone, never copied into the project."""

import os
from pathlib import Path

import pytest

from pipeline.parse import parse
from pipeline.process import process
from pipeline.raw import RawItem
from pipeline.record import StoryRecord
from tests.conftest import ROOT

SAMPLE = ROOT.parent / "shared" / "samples" / "syndicated-page.txt"


@pytest.fixture(scope="module")
def page() -> bytes:
    if not SAMPLE.exists():
        message = f"{SAMPLE} is missing: the shared samples folder must sit beside the clone"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return SAMPLE.read_bytes()


def item(value: bytes) -> RawItem:
    return RawItem("sample", value, "partner", "text/plain", "test")


@pytest.fixture(scope="module")
def record(page: bytes) -> StoryRecord:
    return process(item(page), max_bytes=2_000_000)


def paragraphs(page: bytes) -> list[str]:
    return [" ".join(block.split()) for block in page.decode().split("\n\n") if block.strip()]


def test_headline_authors_and_dateline(record: StoryRecord) -> None:
    assert record.headline == "Chinese nationals captured fighting for Russia in Ukraine, Zelenskyy says"
    assert not record.headline_derived
    assert record.authors == ["Yuliia Dysa", "Dan Peleschuk"]
    assert (record.dateline.place, record.dateline.country) == ("KYIV", "UA")
    assert record.published_at_received  # the page gives no time; "April 8, 2025" dates the photo


def test_body_runs_from_the_lede_to_the_last_story_paragraph(record: StoryRecord, page: bytes) -> None:
    assert record.body[0].startswith("Ukraine President Volodymyr Zelenskyy said on Tuesday")
    assert record.body[-1].startswith("China, which declared a no-limits strategic partnership")
    blocks = paragraphs(page)
    first, last = blocks.index(record.body[0]), blocks.index(record.body[-1])
    assert record.body == blocks[first : last + 1]  # every story paragraph, nothing else
    assert not any("\u00a9" in paragraph or paragraph in ("KYIV", "world") for paragraph in record.body)


def test_the_photo_title_and_caption_are_captions(record: StoryRecord) -> None:
    assert record.captions[0] == "Ukrainian President Zelenskiy meets visiting Belgian PM De Wever in Kyiv"
    assert record.captions[1].startswith("Ukrainian President Volodymyr Zelenskiy speaks at a press conference")
    assert len(record.captions) == 2


def test_every_reader_comment_is_a_comment_without_handles_or_quotes(record: StoryRecord, page: bytes) -> None:
    blocks = paragraphs(page)
    after_copyright = blocks[blocks.index("\u00a92025 GPlusMedia Inc.") + 1 :]
    handles = {"RichardPearceToday 07:20 am JST", "RichardPearce"}
    written = [block for block in after_copyright if block not in handles]
    # every comment paragraph is in `comments`; the two quotes of the first comment are not listed again
    assert all(any(block.rstrip(".") in comment for comment in record.comments) for block in written)
    assert len(record.comments) == len(written) - 2
    assert record.comments[0].startswith("Giving credibility to a Kiev regime claim")
    assert record.comments[-2] == 'More credible than Vladimir "No North Koreans Here" Putin.'
    assert record.comments[-1].startswith("Doesn\u2019t make sense, Zelenskyy is defending his country")
    assert not any("RichardPearce" in comment or "JST" in comment for comment in record.comments)


def test_tags_come_from_the_story_and_caption_only(record: StoryRecord) -> None:
    codes = {tag["code"] for tag in record.countries}
    assert {"UA", "RU", "CN", "US", "KP", "BE"} <= codes
    assert not codes & {"IL", "TW", "CH"}  # Israel, Taipei and the Geneva Conventions are in comments only
    names = {actor["name"] for actor in record.actors}
    assert {"Volodymyr Zelenskyy", "Vladimir Putin", "Bart De Wever", "Tammy Bruce"} <= names
    assert not any("Netanyahu" in name or "Pearce" in name for name in names)
    authors = {"Dysa", "Peleschuk", "Thomas Peter"}
    assert not any(author in name for name in names for author in authors)


def test_the_sample_is_not_refused_in_any_encoding_the_pipeline_reads(page: bytes) -> None:
    for data in (page, page.replace(b"\n", b"\r\n"), b"\xef\xbb\xbf" + page):
        assert parse(item(data), max_bytes=2_000_000).headline.startswith("Chinese nationals captured")


def test_the_sample_stays_outside_the_project() -> None:
    assert not SAMPLE.is_relative_to(ROOT)
    assert not any(path.name == "syndicated-page.txt" for path in Path(ROOT, "tests").rglob("*.txt"))
