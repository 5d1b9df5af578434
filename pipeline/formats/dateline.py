"""The dateline that opens a wire story's first paragraph: "KYIV, Nov 20 (Reuters) - ", "WASHINGTON (AP) — ",
"MOSCOW, February 6. /TASS/. ", or stands on a line of its own on a page ("KYIV").

Place as written (with a region when there is one: "SAN JUAN, Puerto Rico"), an optional date, an optional
agency in brackets then a dash, or an agency between slashes (TASS style). The place must be in capitals unless
an agency follows, so an ordinary sentence with a dash in it is not taken for a dateline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = r"[^\W\d_][\w.'\u2019-]*"
_DATELINE = re.compile(
    rf"""
    (?P<place>{_WORD}(?:\s+{_WORD}){{0,3}})
    (?:,\s*(?P<region>[A-Z][\w.'\u2019-]*(?:\s+[A-Z][\w.'\u2019-]*){{0,2}}))?
    (?:,\s*(?P<date>(?:[^\W\d_]{{3,9}}\.?\s+\d{{1,2}}|\d{{1,2}}\s+[^\W\d_]{{3,9}}\.?)(?:,?\s+\d{{4}})?))?
    (?:
        \s*(?:\((?P<agency>[^()\d]{{2,40}})\))?\s*\.?\s*[-\u2013\u2014]+\s+  # (Reuters) -
      | \.?\s*/(?P<slashed>[^\W\d_][\w -]{{1,20}})/\.?\s+              # . /TASS/.
    )
    """,
    re.VERBOSE,
)
_MAX_LENGTH = 90
# A dateline on a line of its own: a place in capitals, with a region after a comma ("NAIROBI, Kenya").
_PLACE_LINE = re.compile(
    r"[A-Z][A-Z.'\u2019-]*(?: [A-Z][A-Z.'\u2019-]*){0,3}(?:, [A-Z][\w.'\u2019-]*(?: [A-Z][\w.'\u2019-]*){0,2})?"
)


@dataclass(frozen=True, slots=True)
class Dateline:
    place: str
    agency: str | None
    rest: str  # the paragraph without its dateline


def split_dateline(paragraph: str) -> Dateline | None:
    """The dateline opening `paragraph` and the paragraph without it, or None when it has none."""
    found = _DATELINE.match(paragraph, endpos=min(len(paragraph), _MAX_LENGTH))
    if found is None:
        return None
    place, agency = found["place"], found["agency"] or found["slashed"]
    if agency is None and not place.isupper():
        return None
    rest = paragraph[found.end() :].strip()
    if not rest:
        return None
    if found["region"]:
        place = f"{place}, {found['region']}"
    return Dateline(place=place, agency=agency.strip() if agency else None, rest=rest)


def dateline_line(line: str) -> str | None:
    """The place of a line that is only a dateline ("KYIV", "NAIROBI, Kenya"), else None."""
    line = line.strip()
    return line if _PLACE_LINE.fullmatch(line) and any(ch.isalpha() for ch in line) else None
