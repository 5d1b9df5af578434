"""Reader comments, each comment's own text once, in page order.

On a web page they are found by the markup comment systems use (WordPress, Disqus-style threads, schema.org
`Comment`, plain `#comments` lists), and the comment sections are cut out of the page, so that nothing in them
can be taken for the story. On a page saved as plain text they are the paragraphs after the story's copyright
block (`split_text_comments`).

A reply's quote of another comment (a blockquote, or a repeat of its text) is left out, the quoted comment
being listed on its own; a comment posted twice is listed once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from pipeline.formats.furniture import ends_sentence, is_comment_prompt, is_label, is_timestamp
from pipeline.formats.markup import blocks, folded, named, text_of

_SECTION = re.compile(
    r"(^|\s)(comments?|comment-list|commentlist|comments-area|comment-section|comments-section|discussion"
    r"|disqus_thread|respond)(\s|$)",
    re.IGNORECASE,
)
_COMMENT = re.compile(
    r"(^|\s)(comment|post|reply|comment-item|c-comment|comment-thread-item|cmt|coment)(\s|$)", re.IGNORECASE
)
_COMMENT_ITEMS = etree.XPath(
    ".//*[not(self::a or self::span or self::button) and (@class or @itemprop='comment' or @itemtype)]"
)
_COMMENT_TYPE = re.compile(r"schema\.org/Comment$")
_MESSAGE = re.compile(
    r"(^|\s)(comment-content|comment-text|comment-body-text|comment__body|comment__text|post-message|message|cmt-body"
    r"|cmt-text)(\s|$)",
    re.IGNORECASE,
)
_MESSAGE_TEXT = etree.XPath(".//*[@itemprop='text']")
_NOT_MESSAGE = re.compile(
    r"author|meta|header|footer|byline|date|time|reply|actions|vote|avatar|says|report|like|share|count", re.IGNORECASE
)
_NOT_MESSAGE_TAGS = etree.XPath(
    ".//blockquote | .//footer | .//header | .//time | .//button | .//form | .//img | .//script | .//style"
    " | .//*[@itemprop='author' or @itemprop='dateCreated']"
)
_HOLDS_HEADLINE = etree.XPath("boolean(.//h1)")
_HANDLE_WORDS = 3  # a commenter's handle ("RichardPearce", "Maria K"): a few words, no sentence end
_QUOTE_MIN_CHARS = 30  # shorter repeats ("Agreed") may be two comments, not a quote
_CLOSING = " .!?\"'\u201d\u2019"  # what a quote may drop from the end of the comment it repeats


def take_comments(root: etree._Element) -> list[str]:
    """The page's reader comments, each once and in page order; their sections are removed from `root`."""
    sections = [section for section in named(root, _SECTION) if not _HOLDS_HEADLINE(section)]
    inside = set(sections)
    outermost = [section for section in sections if not any(up in inside for up in section.iterancestors())]
    found: list[tuple[int, int, str]] = []
    for number, section in enumerate(outermost):
        items = [item for item in _COMMENT_ITEMS(section) if _is_comment(item)]
        if not items:  # markup no comment system of ours uses: its texts, read as a plain-text section
            texts = split_text_comments(blocks(section)[0])
            found += [(number, position, text) for position, text in enumerate(texts)]
        order = {item: position for position, item in enumerate(items)}
        for item in reversed(items):  # replies before the comments they sit in, so each is cut out first
            if (text := _own_text(item)) and not is_comment_prompt(text):
                found.append((number, order[item], text))
            if (parent := item.getparent()) is not None:
                parent.remove(item)
        section.drop_tree()
    return _distinct(text for *_, text in sorted(found))


def split_text_comments(paragraphs: list[str]) -> list[str]:
    """Comments from the paragraphs of a plain-text comment section. Handle and timestamp lines, headings and
    button words separate comments and are not comment text. Before the first such line each paragraph is a
    comment; after it, the paragraphs between two of them are one comment. A paragraph that repeats an earlier
    comment is a reply quoting it, and is left out."""
    comments: list[str] = []
    current: list[str] = []
    grouped = False
    for paragraph in paragraphs:
        if is_comment_prompt(paragraph) or is_label(paragraph):  # between comments, but not one's handle
            comments.extend(_joined(current))
            current = []
        elif is_timestamp(paragraph) or _is_handle(paragraph):
            comments.extend(_joined(current))
            current, grouped = [], True
        elif not _quotes(paragraph, [*comments, *current]):
            if grouped:
                current.append(paragraph)
            else:
                comments.append(paragraph)
    comments.extend(_joined(current))
    return _distinct(comments)


def _is_handle(paragraph: str) -> bool:
    return len(paragraph.split()) <= _HANDLE_WORDS and not ends_sentence(paragraph)


def _quotes(paragraph: str, earlier: list[str]) -> bool:
    text = folded(paragraph).rstrip(_CLOSING)
    if len(text) < _QUOTE_MIN_CHARS:
        return False
    return any(text in folded(comment) for comment in earlier)


def _joined(paragraphs: list[str]) -> list[str]:
    return [" ".join(paragraphs)] if paragraphs else []


def _is_comment(element: etree._Element) -> bool:
    return (
        element.get("itemprop") == "comment"
        or bool(_COMMENT_TYPE.search(element.get("itemtype") or ""))
        or bool(_COMMENT.search(element.get("class") or ""))
    )


def _own_text(item: etree._Element) -> str:
    """The comment's message: no author, date, buttons or quotes (its replies are already cut out)."""
    message = next((e for e in [*_MESSAGE_TEXT(item), *named(item, _MESSAGE)] if e is not item), item)
    for element in [*_NOT_MESSAGE_TAGS(message), *(e for e in named(message, _NOT_MESSAGE) if e is not message)]:
        if element.getparent() is not None:
            element.drop_tree()
    paragraphs = [paragraph for paragraph in blocks(message)[0] if not is_comment_prompt(paragraph)]
    return "\n".join(paragraphs) if paragraphs else text_of(message)


def _distinct(comments: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    distinct: list[str] = []
    for comment in comments:
        if (key := folded(comment)) not in seen:
            seen.add(key)
            distinct.append(comment)
    return distinct
