"""Author names from a byline: "By Anna Kowalska and Tom Balmforth, Reuters" → ["Anna Kowalska", "Tom Balmforth"].

Agency and publisher credits are not authors: pieces that name one of the item's own credits (copyright
holders, the dateline's agency, the site), single words ("Reuters", "AFP"), staff/desk credits, dates and
anything too long to be a name are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

BYLINE_PREFIX = r"(?:by|par|por|von|di|door|from)\s+"
_PREFIX = re.compile(rf"^\s*{BYLINE_PREFIX}", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s*(?:[,;|/·•&]|\s(?:and|und|et|y|e|with|avec|con|mit)\s)\s*", re.IGNORECASE)
_LOCATION_SUFFIX = re.compile(r"\s+(?:in|à|en)\s+[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?$")
_CREDIT_WORDS = frozenset(
    {"staff", "correspondent", "correspondents", "reporter", "reporters", "writer", "editor", "editors", "desk"}
    | {"agency", "agencies", "press", "wire", "wires", "news", "newsroom", "service", "bureau", "team"}
)
_MAX_NAME_WORDS = 5


def byline_text(line: str) -> str | None:
    """The names part of a line that is a byline ("By Anna Kowalska"), or None if it is not one."""
    found = _PREFIX.match(line)
    if found is None or len(line.split()) > 12 or line.rstrip().endswith("."):
        return None
    names = line[found.end() :].strip()
    return names if names[:1].isupper() else None


def authors(bylines: Iterable[str], credits: Iterable[str]) -> list[str]:
    """Distinct person names in the bylines, in order, without the credits."""
    credit_keys = [key for credit in credits if (key := credit.casefold().strip())]
    found: list[str] = []
    for byline in bylines:
        for piece in _SEPARATORS.split(_PREFIX.sub("", byline)):
            name = _LOCATION_SUFFIX.sub("", piece.strip(" .:-\u2013\u2014()[]"))
            if _is_name(name, credit_keys) and (name := _natural_case(name)) not in found:
                found.append(name)
    return found


def _is_name(piece: str, credit_keys: list[str]) -> bool:
    words = piece.split()
    if not 2 <= len(words) <= _MAX_NAME_WORDS:
        return False
    if any(ch.isdigit() or ch == "@" for ch in piece) or not piece[0].isupper():
        return False
    if any(word.casefold() in _CREDIT_WORDS for word in words):
        return False
    key = piece.casefold()
    return not any(key in credit or credit in key for credit in credit_keys)


def _natural_case(name: str) -> str:
    """AP-style capitals ("MARIA LOPEZ") read as a name ("Maria Lopez"); mixed case is kept as written."""
    return name.title() if name.isupper() else name
