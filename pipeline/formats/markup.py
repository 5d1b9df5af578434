"""Paragraphs and captions of a story body written in (X)HTML: ninjs `body_html`, NewsML-G2 `inlineXML`,
and the fallback for pages where the extraction library finds no main text.

Works on lxml trees from either parser, with or without the XHTML namespace.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

_PARAGRAPHS = frozenset({"p", "blockquote", "li", "pre", "dd"})
_CONTAINERS = frozenset({"div", "section", "article", "main", "body", "td"})
_BLOCKS = _PARAGRAPHS | _CONTAINERS
_SKIPPED = frozenset({"script", "style", "noscript", "template", "head", "button", "form", "iframe", "nav", "aside"})
_CAPTION_CLASS = re.compile(r"caption", re.IGNORECASE)
_FRAGMENT_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, no_network=True)
_NAMED = etree.XPath("descendant-or-self::*[@class or @id]")


def text_of(element: etree._Element) -> str:
    """The element's text with whitespace collapsed, as a reader sees it."""
    return " ".join("".join(element.itertext()).split())


def folded(text: str) -> str:
    """Whitespace collapsed and case folded: how texts are compared to find repeats."""
    return " ".join(text.split()).casefold()


def local_name(element: etree._Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def named(root: etree._Element, pattern: re.Pattern[str]) -> list[etree._Element]:
    """Elements under `root` whose class or id matches `pattern`, in document order.

    XPath picks the few elements with a class or id natively; Python's regex tests them (EXSLT regex
    in XPath would call back into Python for every element of the page)."""
    return [e for e in _NAMED(root) if pattern.search(f"{e.get('class') or ''} {e.get('id') or ''}")]


def fragment_blocks(html: str) -> tuple[list[str], list[str]]:
    """Paragraphs and captions of an HTML fragment (a ninjs `body_html`)."""
    if not html.strip():
        return [], []
    root = lxml.html.document_fromstring(html.encode("utf-8"), parser=_FRAGMENT_PARSER)
    return blocks(root)


def blocks(root: etree._Element) -> tuple[list[str], list[str]]:
    """Paragraph-level texts under `root` (headings skipped), with figure captions kept apart."""
    paragraphs: list[str] = []
    captions: list[str] = []
    _walk(root, paragraphs, captions)
    return paragraphs, captions


def _walk(element: etree._Element, paragraphs: list[str], captions: list[str]) -> None:
    for child in element:
        name = local_name(child)
        if not name or name in _SKIPPED or (name[0] == "h" and name[1:].isdigit()):
            continue
        if name == "figcaption" or _CAPTION_CLASS.search(child.get("class") or ""):
            if text := text_of(child):
                captions.append(text)
        elif name in _BLOCKS and not _holds_blocks(child):
            if text := text_of(child):
                paragraphs.append(text)
        else:
            _walk(child, paragraphs, captions)


def _holds_blocks(element: etree._Element) -> bool:
    """Whether paragraphs or block containers sit inside: then they are the paragraphs, not the element."""
    return any(local_name(inner) in _BLOCKS for inner in element.iterdescendants())
