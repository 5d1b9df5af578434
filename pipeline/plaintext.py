"""Stored text is plain text: no markup, so a front-end that renders a story cannot be scripted by it.

Formats already take text out of HTML and XML, but markup also arrives *as text*: a ninjs `headline` or
`body_text` holding `<script>`, escaped markup (`&lt;script&gt;`) that becomes markup once decoded, a plain
text story quoting a tag. Every text field of a story goes through `plain_text` and every link through
`safe_url`. Pure functions.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

# Elements whose content is code or styling, never story text: dropped with their content.
_CODE_ELEMENTS = re.compile(
    r"<\s*(script|style|iframe|object|embed|noscript|template|svg|math)\b[^>]*>.*?(?:<\s*/\s*\1\s*>|$)",
    re.IGNORECASE | re.DOTALL,
)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
# A tag: `<` then a letter, `/`, `!` or `?` (what an HTML tokenizer opens a tag on), up to the next `>`.
_TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")
# What is left of a tag that never closed: an HTML parser would still open a tag on it.
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_MAX_ROUNDS = 5  # each round decodes one level of escaping; deeper nesting is left inert by _TAG_OPEN
SAFE_SCHEMES = frozenset({"http", "https"})


def plain_text(text: str) -> str:
    """The text a reader sees: tags and code elements removed, entities decoded, whitespace collapsed.

    Decoding can reveal markup (`&lt;b&gt;`), so removal and decoding repeat until the text is stable; a `<`
    that could still open a tag is followed by a space, which no HTML parser reads as a tag."""
    if "<" not in text and "&" not in text:
        return text.strip()
    for _ in range(_MAX_ROUNDS):
        stripped = _TAG.sub(" ", _COMMENT.sub(" ", _CODE_ELEMENTS.sub(" ", text)))
        decoded = html.unescape(stripped)
        if decoded == text:
            break
        text = decoded
    return _SPACES.sub(" ", _TAG_OPEN.sub("< ", text)).strip()


def plain_texts(texts: list[str]) -> list[str]:
    """Each text made plain; texts with nothing left (only markup) are dropped."""
    return [clean for text in texts if (clean := plain_text(text))]


def safe_url(url: str | None) -> str | None:
    """The URL if it is a web address (http or https), else None: `javascript:` and `data:` links are code."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc or any(c in url for c in "<>\"'` \t\r\n"):
        return None
    return url
