"""Plain-text stories, read as the page they often are: clean wire copy, or a partner's page saved as text with
its furniture around the story and reader comments after it.

The text is cut into three parts around the story paragraphs:
- the head, before the lede: headline, photo title and caption, section word, comment count, byline,
  timestamps and a dateline standing on its own line;
- the body, from the lede (the first paragraph that reads as story prose, or opens with a dateline) to the
  copyright block (or, on a page without one, to the comment section's heading);
- the tail: copyright lines, then reader comments, one a paragraph, or grouped between commenters' handle
  lines when the page has them.

Paragraphs are separated by blank lines or stand one per line; hard-wrapped text (lines filled to a margin
and broken mid-sentence) is joined back into its paragraphs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from pipeline.formats import ParsedStory, Rejected
from pipeline.formats.byline import byline_text
from pipeline.formats.comments import split_text_comments
from pipeline.formats.dateline import dateline_line, split_dateline
from pipeline.formats.furniture import (
    copyright_holder,
    ends_sentence,
    is_caption,
    is_comment_prompt,
    is_label,
    is_reporting_credit,
    is_timestamp,
)
from pipeline.formats.markup import folded
from pipeline.formats.story import assemble

_LEDE_WORDS = 12  # story prose: a sentence at least this long; headlines, decks and labels are shorter
_LONG_PROSE_WORDS = 40  # prose even when cut off mid-sentence: no headline or label runs this long
_HEADLINE_MIN_WORDS = 3  # shorter head lines are section words and labels
_DECK_LOOKAHEAD = 3  # a byline or dateline this close after a first "lede" shows it was a deck above the byline
_WRAP_MIN, _WRAP_MAX = 50, 100  # the margins hard-wrapped text is filled to
_WRAP_FILL = 0.6  # a line this full of the margin, broken mid-sentence, continues on the next line
_WRAPPED_LINES = 3  # how many such lines make a text hard-wrapped


def parse_text(text: str, *, title: str = "") -> ParsedStory:
    """`title`, a page's own title when the text was rendered from one, picks the headline among the head's lines."""
    paragraphs = _paragraphs([line.strip() for line in text.splitlines()])
    if not paragraphs:
        raise Rejected("empty", "the text holds no paragraphs")
    lede = _lede(paragraphs)
    if lede is None:  # no paragraph reads as prose (a short note): the first line is the headline
        head, lede = _Head(headline=paragraphs[0]), 1
    else:
        head = _head(paragraphs[:lede], title)
    end = _body_end(paragraphs, lede)
    tail = paragraphs[end:]
    credits = [holder for paragraph in tail if (holder := copyright_holder(paragraph))]
    comments = split_text_comments([p for p in tail if copyright_holder(p) is None])
    # the lede's own dateline wins over a dateline line
    own_dateline = lede < len(paragraphs) and split_dateline(paragraphs[lede]) is not None
    return assemble(
        headline=head.headline,
        paragraphs=paragraphs[lede:end],
        captions=head.captions,
        bylines=head.bylines,
        credits=credits,
        place=None if own_dateline else head.place,
        comments=comments,
        page=head.furniture or bool(comments),
    )


@dataclass(slots=True)
class _Head:
    headline: str = ""
    captions: list[str] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)
    place: str | None = None
    furniture: bool = False  # page furniture found: captions, section words, counts, timestamps


def _head(paragraphs: list[str], title: str = "") -> _Head:
    """What stands above the lede. A headline-like line directly above a caption is the photo's own title,
    unless no other line could be the story's headline; a line the page's title holds comes first. A place in
    capitals on its own line is the dateline after the headline, a section word before it."""
    head = _Head()
    candidates: list[int] = []
    photo_titles: list[int] = []
    places: list[int] = []
    for index, paragraph in enumerate(paragraphs):
        if is_caption(paragraph):
            head.captions.append(paragraph)
            head.furniture = True
            if candidates and candidates[-1] == index - 1:
                photo_titles.append(candidates[-1])
        elif (names := byline_text(paragraph)) is not None:
            head.bylines.append(names)
        elif copyright_holder(paragraph) is not None or is_reporting_credit(paragraph):
            continue
        elif is_timestamp(paragraph) or is_comment_prompt(paragraph) or is_label(paragraph):
            head.furniture = True
        elif dateline_line(paragraph):
            places.append(index)
        elif len(paragraph.split()) < _HEADLINE_MIN_WORDS and not ends_sentence(paragraph):
            head.furniture = True  # a section word or label
        else:
            candidates.append(index)
    story_lines = [index for index in candidates if index not in photo_titles] or candidates or places[:1]
    titled = folded(title)
    story_lines = [index for index in story_lines if folded(paragraphs[index]) in titled] or story_lines
    if story_lines:
        headline = story_lines[0]
        head.headline = paragraphs[headline]
        head.place = next((paragraphs[index] for index in reversed(places) if index > headline), None)
        head.furniture = head.furniture or any(index < headline for index in places)
    head.captions = [paragraphs[index] for index in photo_titles] + head.captions
    return head


def _lede(paragraphs: list[str]) -> int | None:
    """Where the story starts: the first paragraph that opens with a dateline or reads as prose. A prose line
    followed closely by a byline or a dateline line is a deck (standfirst) over the story, not its lede."""
    first = next((index for index, paragraph in enumerate(paragraphs) if _opens_story(paragraph)), None)
    if first is None or split_dateline(paragraphs[first]) is not None:
        return first
    for index in range(first + 1, min(first + 1 + _DECK_LOOKAHEAD, len(paragraphs))):
        paragraph = paragraphs[index]
        if byline_text(paragraph) is not None or dateline_line(paragraph) or is_timestamp(paragraph):
            following = index + 1
            while following < len(paragraphs) and _is_head_marker(paragraphs[following]):
                following += 1
            if following < len(paragraphs) and _opens_story(paragraphs[following]):
                return following
    return first


def _opens_story(paragraph: str) -> bool:
    if is_caption(paragraph) or copyright_holder(paragraph) is not None or byline_text(paragraph) is not None:
        return False
    if split_dateline(paragraph) is not None:
        return True
    words = len(paragraph.split())
    return words >= _LEDE_WORDS and (ends_sentence(paragraph) or words >= _LONG_PROSE_WORDS)


def _is_head_marker(paragraph: str) -> bool:
    return (
        byline_text(paragraph) is not None
        or bool(dateline_line(paragraph))
        or is_timestamp(paragraph)
        or is_comment_prompt(paragraph)
    )


def _body_end(paragraphs: list[str], lede: int) -> int:
    """The index after the story's last paragraph: the copyright block, else a comment section's heading."""
    for index in range(lede + 1, len(paragraphs)):
        if copyright_holder(paragraphs[index]) is not None:
            return index
    for index in range(lede + 1, len(paragraphs)):
        if is_comment_prompt(paragraphs[index]):
            return index
    return len(paragraphs)


def _paragraphs(lines: list[str]) -> list[str]:
    """Paragraphs from lines: blank lines separate them; in hard-wrapped text a line filled to the margin and
    broken mid-sentence goes on in the next line, unless that line is furniture standing on its own."""
    margin = _wrap_margin(lines)
    blank_separated = lines.count("") >= _WRAPPED_LINES  # then a wrapped line ending a sentence goes on too
    paragraphs: list[str] = []
    continues = False
    for line in lines:
        if not line:
            continues = False
            continue
        if continues and not _stands_alone(line):
            paragraphs[-1] = f"{paragraphs[-1]} {line}"
        else:
            paragraphs.append(line)
        continues = margin is not None and len(line) >= _WRAP_FILL * margin and not _stands_alone(line)
        continues = continues and (blank_separated or not ends_sentence(line))
    return paragraphs


def _wrap_margin(lines: list[str]) -> int | None:
    """The margin a hard-wrapped text is filled to, or None for text whose lines are its paragraphs."""
    lengths = [len(line) for line in lines if line]
    if not lengths or not _WRAP_MIN <= (margin := max(lengths)) <= _WRAP_MAX:
        return None
    broken = sum(
        1
        for line, following in pairwise(lines)
        if line and following and len(line) >= 0.75 * margin and not ends_sentence(line)
    )
    return margin if broken >= _WRAPPED_LINES else None


def _stands_alone(line: str) -> bool:
    return (
        byline_text(line) is not None
        or copyright_holder(line) is not None
        or bool(dateline_line(line))
        or is_timestamp(line)
        or is_comment_prompt(line)
    )
