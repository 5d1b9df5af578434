"""Reader comments on a web page: found by the markup comment systems use (WordPress, Disqus-style
threads, schema.org `Comment`, plain `#comments` lists), each comment's own text once, in page order.

A reply's quote of another comment (a blockquote) is left out, the quoted comment being listed on its
own; a comment posted twice is listed once. The comment sections are cut out of the page, so that nothing
in them can be taken for the story.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from pipeline.formats.markup import blocks, folded, named, text_of

_SECTION = re.compile(
    r"(^|\s)(comments?|comment-list|commentlist|comments-area|comment-section|comments-section|discussion"
    r"|disqus_thread|respond)(\s|$)",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"(^|\s)(comment|post|reply|comment-item|c-comment|comment-thread-item)(\s|$)", re.IGNORECASE)
_COMMENT_ITEMS = etree.XPath(
    ".//*[not(self::a or self::span or self::button) and (@class or @itemprop='comment' or @itemtype)]"
)
_COMMENT_TYPE = re.compile(r"schema\.org/Comment$")
_MESSAGE = re.compile(
    r"(^|\s)(comment-content|comment-text|comment-body-text|comment__body|comment__text|post-message|message)(\s|$)",
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


def take_comments(root: etree._Element) -> list[str]:
    """The page's reader comments, each once and in page order; their sections are removed from `root`."""
    sections = [section for section in named(root, _SECTION) if not _HOLDS_HEADLINE(section)]
    inside = set(sections)
    outermost = [section for section in sections if not any(up in inside for up in section.iterancestors())]
    found: list[tuple[int, int, str]] = []
    for number, section in enumerate(outermost):
        items = [item for item in _COMMENT_ITEMS(section) if _is_comment(item)]
        order = {item: position for position, item in enumerate(items)}
        for item in reversed(items):  # replies before the comments they sit in, so each is cut out first
            if text := _own_text(item):
                found.append((number, order[item], text))
            if (parent := item.getparent()) is not None:
                parent.remove(item)
        section.drop_tree()
    return _distinct(text for *_, text in sorted(found))


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
    paragraphs, _ = blocks(message)
    return "\n".join(paragraphs) if paragraphs else text_of(message)


def _distinct(comments: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    distinct: list[str] = []
    for comment in comments:
        if (key := folded(comment)) not in seen:
            seen.add(key)
            distinct.append(comment)
    return distinct
