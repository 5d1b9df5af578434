"""Page and wire furniture found among story paragraphs: copyright lines, photo captions, bylines, share
prompts, related-story teasers, comment counts and stray section words.

`separate` splits paragraphs into the story and the furniture; the HTML parser also uses the line tests
on the elements it finds structurally.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.formats.byline import byline_text

_COPYRIGHT = re.compile(
    r"""^\s*(?:(?:©|\(c\)|copyright\b)\s*)+          # ©, (c), Copyright, in any mix
    (?:\d{4}(?:\s*[-\u2013]\s*\d{4})?\s*,?\s*)?          # years
    (?P<holder>[^.|·]*?)                             # the holder, up to the first sentence end
    \s*(?:,?\s*\d{4})?\s*(?:[.|·]|$)""",
    re.IGNORECASE | re.VERBOSE,
)
_CAPTION = re.compile(r"^\s*\(?(?:photo|photograph|picture|image|file photo|foto)\s*:", re.IGNORECASE)
_PHOTO_CREDIT_END = re.compile(r"\b(?:[A-Z]{2,}(?: Photo)?|Photo)/\s?[A-Z][\w.'-]+(?:\s[A-Z][\w.'-]+)*\)?\s*$")
_COMMENT_COUNT = re.compile(r"^\s*\d[\d,.]*\s*[kK]?\s+(?:comments?|replies|responses|reactions)\s*$", re.IGNORECASE)
# Labels, not sentences: the whole line ("Share on Facebook", "Email this story") or a label and a colon
# ("Share: Facebook X", "Read also: ..."). "Share prices fell" and "More from the talks is due" stay story.
_SHARE = re.compile(
    r"^\s*(?:share|tweet|email|print|copy link|follow us)(?:\s+(?:this|on|via|article|story|\w+)){0,3}\s*(?::|$)"
    r"|^\s*share\s*:",
    re.IGNORECASE,
)
_TEASER = re.compile(
    r"^\s*(?:read (?:also|more)|also read|see also|related(?:\s+\w+)?|more from(?:\s+\w+){1,3}|recommended|watch)"
    r"\s*(?::|$)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"""[.!?:;"'\u201d\u2019\u00bb)\]]\s*$""")
_SHORT_LINE = 80
_COPYRIGHT_LINE_MAX = 300
_HOLDER_MAX_WORDS = 6
_FRAGMENT_WORDS = 4


@dataclass(slots=True)
class Separated:
    body: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)
    copyright_holders: list[str] = field(default_factory=list)


def copyright_holder(line: str) -> str | None:
    """The holder a copyright line names ("Reuters" for "© 2026 Reuters"), or None for any other line."""
    if len(line) > _COPYRIGHT_LINE_MAX:
        return None
    found = _COPYRIGHT.match(line)
    if found is None:
        return None
    holder = found["holder"].strip(" ,")
    if not holder[:1].isupper() and not holder[:1].isdigit():
        return None
    return holder if len(holder.split()) <= _HOLDER_MAX_WORDS else None


def ends_sentence(line: str) -> bool:
    return bool(_SENTENCE_END.search(line))


def is_caption(line: str) -> bool:
    return bool(_CAPTION.match(line) or _PHOTO_CREDIT_END.search(line))


def separate(paragraphs: Iterable[str], *, page: bool = False) -> Separated:
    """Story paragraphs apart from the furniture mixed into them, each kind kept in its own list.

    On a web `page` a fragment of a few words with no sentence end is a section word or a button label;
    in a wire format it is the story's own text."""
    found = Separated()
    for paragraph in paragraphs:
        if (holder := copyright_holder(paragraph)) is not None:
            found.copyright_holders.append(holder)
        elif is_caption(paragraph):
            found.captions.append(paragraph)
        elif (names := byline_text(paragraph)) is not None:
            found.bylines.append(names)
        elif not _is_furniture(paragraph, page=page):
            found.body.append(paragraph)
    return found


def _is_furniture(line: str, *, page: bool) -> bool:
    if _COMMENT_COUNT.match(line):
        return True
    if len(line) <= _SHORT_LINE and (_SHARE.match(line) or _TEASER.match(line)):
        return True
    return page and len(line.split()) < _FRAGMENT_WORDS and not ends_sentence(line)
