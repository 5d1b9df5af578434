"""Plain-text stories: the first line is the headline, then paragraphs.

Paragraphs are separated by blank lines or stand one per line; a long line that stops mid-sentence is a
hard wrap and continues on the next line.
"""

from __future__ import annotations

from pipeline.formats import ParsedStory, Rejected
from pipeline.formats.furniture import ends_sentence
from pipeline.formats.story import assemble

_WRAPPED_LINE = 40  # shorter lines that stop mid-sentence are headings, bylines, sign-offs: not wrapped text


def parse_text(text: str) -> ParsedStory:
    lines = [line.strip() for line in text.splitlines()]
    content = [line for line in lines if line]
    if len(content) < 2:
        raise Rejected("missing_fields", "plain text needs a headline line and at least one paragraph")
    headline_at = lines.index(content[0])
    return assemble(headline=content[0], paragraphs=_paragraphs(lines[headline_at + 1 :]))


def _paragraphs(lines: list[str]) -> list[str]:
    paragraphs: list[str] = []
    continues = False
    for line in lines:
        if not line:
            continues = False
            continue
        if continues:
            paragraphs[-1] = f"{paragraphs[-1]} {line}"
        else:
            paragraphs.append(line)
        continues = len(line) >= _WRAPPED_LINE and not ends_sentence(line)
    return paragraphs
