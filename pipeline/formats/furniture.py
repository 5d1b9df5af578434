"""Page and wire furniture found among story paragraphs: copyright lines, photo captions, bylines, share
prompts, related-story teasers, comment counts and prompts, timestamps, reporting credits, agency sign-offs and
stray section words.

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
_PHOTO_CREDIT_END = re.compile(
    r"\b(?:[A-Z]{2,}(?:-[A-Z]{2,})?(?: Photo)?|Photo)/\s?[A-Z][\w.'-]+(?:\s[A-Z][\w.'-]+)*\)?\s*$"
    r"|\b(?:Image|Photo|Picture|Foto)\s*:\s*[\w.' -]{2,40}/[\w.' -]{2,40}$"  # "Image: Reuters/Thomas Peter"
)
_COMMENT_COUNT = re.compile(
    r"^\s*(?:\d[\d,.]*\s*[kK]?\s+(?:comments?|replies|responses|reactions)|comments?\s*\(\d[\d,.]*\))\s*$",
    re.IGNORECASE,
)
# What opens or fills a comment section: a heading, a sign-in prompt, the sort and button words around comments.
_COMMENT_PROMPT = re.compile(
    r"^\s*(?:comments?|reader comments|(?:leave|post|add|write) a comment|join the (?:conversation|discussion)"
    r"|show comments|view comments|sort by\b.*"
    r"|(?:log ?in|sign ?in|register|subscribe)(?: or \w+)? to (?:comment|reply))\s*[.:!]?\s*$"
    # button words and counts alone on a line: "Reply", "Like (3) · Reply", "Reply | Report", "12 likes"
    r"|^\s*(?:(?:reply|replies|report|like|likes|flag|share|upvote|downvote|\d+)\s*(?:\(\d+\))?\s*[·|•]?\s*)+$",
    re.IGNORECASE,
)
_ADVERT = re.compile(r"^\s*(?:advertisement|advertising|sponsored(?: content)?|promoted|paid content|ad)\s*$", re.I)
# Labels, not sentences: the share buttons' row of networks.
_SOCIAL = re.compile(
    r"^\s*(?:(?:facebook|x|twitter|whatsapp|e-?mail|linkedin|telegram|reddit|pinterest|print|copy link)"
    r"\s*[|·•,]?\s*)+$",
    re.IGNORECASE,
)
# A time or date standing for when something was posted: "07:20 am JST", "2 hours ago", "April 8, 2025".
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_TIME_MARK = re.compile(
    rf"\b\d{{1,2}}:\d{{2}}\b|\b\d+\s+(?:sec|min|minute|hour|hr|day|week|month|year)s?\s+ago\b|\b(?:today|yesterday)\b"
    rf"|\b{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}\b|\b\d{{1,2}}\s+{_MONTH}\s+\d{{4}}\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b"
    r"|^\s*(?:updated|published|posted|last updated)\b",
    re.IGNORECASE,
)
_TIMESTAMP_WORDS = 10
_REPORTING_CREDIT = re.compile(
    r"^\s*[(\[]?\s*(?:additional\s+)?(?:reporting|writing|editing|edited|compiled|produced)\s+by\b", re.IGNORECASE
)
# A wire sign-off closing the last paragraph: the editor's initials and the agencies, "... mp (DPA/Reuters)".
_SIGN_OFF = re.compile(
    r"""(?<=[.!?"'\u201d\u2019])\s+(?:[a-z]{1,4}(?:/[a-z]{1,4})*\s+)?
    \((?P<agencies>[A-Z][A-Za-z]{1,11}(?:\s*/\s*[A-Z][A-Za-z]{1,11}){0,3})\)\s*$""",
    re.VERBOSE,
)
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
_CAPTION_MAX_WORDS = 80
_CREDIT_TAIL = 100  # a photo credit or sign-off sits in a line's last characters
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


def is_timestamp(line: str) -> bool:
    """A short line that gives a posting time ("Updated 3 hours ago", "jsmith  07:20 am JST")."""
    return len(line.split()) <= _TIMESTAMP_WORDS and not ends_sentence(line) and bool(_TIME_MARK.search(line))


def is_comment_prompt(line: str) -> bool:
    """A comment count, a comment-section heading or prompt, or a comment's button word."""
    return bool(_COMMENT_COUNT.match(line) or _COMMENT_PROMPT.match(line))


def is_reporting_credit(line: str) -> bool:
    """A "Reporting by ...; Editing by ..." line: who worked on the copy, not the story."""
    return bool(_REPORTING_CREDIT.match(line))


def split_sign_off(paragraph: str) -> tuple[str, list[str]] | None:
    """The paragraph without its closing agency sign-off and the agencies it names, or None without one."""
    found = _SIGN_OFF.search(paragraph, max(0, len(paragraph) - _CREDIT_TAIL))
    if found is None:
        return None
    return paragraph[: found.start()].rstrip(), [name.strip() for name in found["agencies"].split("/")]


def ends_sentence(line: str) -> bool:
    return bool(_SENTENCE_END.search(line))


def is_caption(line: str) -> bool:
    """A photo caption: "Photo: ..." or a line closing on a photo credit ("REUTERS/Thomas Peter"); a story
    paragraph closing on an agency sign-off ("... mp (DPA/Reuters)") is not one."""
    if _CAPTION.match(line):
        return True
    tail = max(0, len(line) - _CREDIT_TAIL)  # a credit closes the line: the search need not read the rest
    if not _PHOTO_CREDIT_END.search(line, tail) or _SIGN_OFF.search(line, tail):
        return False
    return len(line.split()) <= _CAPTION_MAX_WORDS


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


def is_label(line: str) -> bool:
    """A page's button or link label: share prompts and networks, "Read also:" teasers."""
    if len(line) > _SHORT_LINE:
        return False
    return bool(_SHARE.match(line) or _TEASER.match(line) or _SOCIAL.match(line) or _ADVERT.match(line))


def _is_furniture(line: str, *, page: bool) -> bool:
    if _COMMENT_COUNT.match(line) or is_reporting_credit(line) or is_label(line):
        return True
    return page and len(line.split()) < _FRAGMENT_WORDS and not ends_sentence(line)
