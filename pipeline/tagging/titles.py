"""People introduced by a title or office, and ministries named with their country, in running text.

Wire copy introduces nearly every official by title: "Kenyan Interior Minister Kipchumba Murkomen", "Andrii
Sybiha, Ukraine's foreign minister", "the regional governor of Kursk, Alexander Khinshtein". The titles
(config/gazetteers/titles.toml) sit in one automaton with the ministry forms ("Defence Ministry", "Department of
Agriculture"); around each title a name of capitalised words is read, and the country of the title from the
words before it ("Ukraine's", "Kenyan") or the phrase after it ("of Kursk").
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pipeline.config_dir import config_path
from pipeline.tagging.countries import country_before, country_in
from pipeline.tagging.matching import Matcher
from pipeline.tagging.storytext import StoryText

_UPPER = "A-ZÀ-ÖØ-Þ" + "".join(c for c in map(chr, range(0x100, 0x180)) if c.isupper())
# A word of a name: capitalised, or an initial ("J.", "J.D."), with an Arabic article prefix allowed ("al-Sharaa").
_WORD = rf"(?:(?:al|el|as|ad|ash|ar|az)-)?[{_UPPER}](?:\.(?:[{_UPPER}]\.)*|[\w'\u2019-]*)"
_POSSESSIVE = re.compile(r"['\u2019]s?$")
_AFFILIATION_WINDOW = 40


@dataclass(frozen=True, slots=True)
class Title:
    role: str


@dataclass(frozen=True, slots=True)
class Portfolio:
    slug: str


@dataclass(frozen=True, slots=True)
class TitledPerson:
    name: str
    start: int
    end: int
    role: str
    country: str | None
    title_start: int


@dataclass(frozen=True, slots=True)
class NamedMinistry:
    slug: str
    surface: str
    start: int
    end: int
    country: str | None  # None when the text does not say whose ministry it is


def _both_cases(form: str) -> list[str]:
    return [form, form.lower()]


class Titles:
    def __init__(self, path: Path | None = None) -> None:
        config = tomllib.loads((path or config_path("gazetteers", "titles.toml")).read_text(encoding="utf-8"))
        forms: list[tuple[str, Title | Portfolio]] = []
        for role, titles in config["roles"].items():
            forms += [(form, Title(role)) for title in titles for form in _both_cases(title)]
        self.portfolio_names: dict[str, str] = {}  # slug → the portfolio that names its ministry
        for portfolio, slug in config["portfolios"].items():
            self.portfolio_names.setdefault(slug, portfolio)
            minister = Title(config["minister_roles"].get(slug, "government"))
            for pattern in ("{} Minister", "{} Secretary", "Minister of {}", "Minister for {}", "Secretary of {}"):
                forms += [(form, minister) for form in _both_cases(pattern.format(portfolio))]
            for pattern in ("{} Ministry", "Ministry of {}", "Ministry for {}", "{} Department", "Department of {}"):
                forms += [(form, Portfolio(slug)) for form in _both_cases(pattern.format(portfolio))]
        self.matcher = Matcher(forms)
        names = config["names"]
        particles = "|".join(map(re.escape, names["particles"]))
        name = rf"{_WORD}(?:[ \t]+(?:(?:{particles})[ \t]+)*{_WORD}){{0,4}}"
        self._after = re.compile(rf"[ \t]+({name})")
        self._suffix_then_name = re.compile(rf"((?:[ \t]+(?:of|for|at|in)[ \t]+[^,.;\n]{{1,40}}?)?),[ \t]+({name})")
        self._name_then_phrase = re.compile(rf"({name}),[ \t]+([^,;\n]{{0,40}})$")
        self._not_names = frozenset(names["not_names"])

    def _clean(self, text: str, start: int, end: int, *, leading: bool = False) -> tuple[int, int] | None:
        """The span of a name of two words or more inside text[start:end]: without sentence words ("Tuesday")
        after it (or, with `leading`, before it), a possessive or a full stop."""
        words = [(w.start(), w.end()) for w in re.finditer(r"\S+", text[start:end])]
        if leading:
            while words and text[start + words[0][0] : start + words[0][1]] in self._not_names:
                words.pop(0)
        cut = next((i for i, (s, e) in enumerate(words) if i and text[start + s : start + e] in self._not_names), None)
        words = words[:cut]
        if len(words) < 2:
            return None
        first, last = start + words[0][0], start + words[-1][1]
        last -= len(_POSSESSIVE.search(text[first:last])[0]) if _POSSESSIVE.search(text[first:last]) else 0
        return first, last

    def find(self, story: StoryText) -> tuple[list[TitledPerson], list[NamedMinistry]]:
        text = story.text
        people: list[TitledPerson] = []
        ministries: list[NamedMinistry] = []
        for match in story.matches(self.matcher):
            before = text[max(0, match.start - _AFFILIATION_WINDOW) : match.start]
            if isinstance(match.value, Portfolio):
                country = country_before(before)
                ministries.append(NamedMinistry(match.value.slug, match.surface, match.start, match.end, country))
                continue
            role = match.value.role
            if (after := self._after.match(text, match.end)) and (span := self._clean(text, *after.span(1))):
                people.append(TitledPerson(text[span[0] : span[1]], *span, role, country_before(before), match.start))
            elif (comma := self._suffix_then_name.match(text, match.end)) and (
                span := self._clean(text, *comma.span(2))
            ):
                country = country_in(comma[1]) if comma[1] else country_before(before)
                people.append(TitledPerson(text[span[0] : span[1]], *span, role, country, match.start))
            elif found := self._name_then_phrase.search(text, max(0, match.start - 120), match.start):
                span = self._clean(text, *found.span(1), leading=True)
                if span:
                    name = text[span[0] : span[1]]
                    people.append(TitledPerson(name, *span, role, country_in(found[2]), match.start))
        return people, ministries
