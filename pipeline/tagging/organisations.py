"""Organisations named in running text whether or not a gazetteer lists them: "New South Wales Rural Fire Service",
"Bureau of Meteorology", "ASIO", "the Senate".

Three shapes, read from config/gazetteers/names.toml: a run of capitalised words (with "of", "for", "and", "the"
inside) that ends in an organisation's head word ("Service", "Party", "Council"), or opens with one before "of"
or "for" ("Bureau of Meteorology"); an acronym of two to six capitals that is not a unit, time, title or country
("ASIO", "FBI"); a one-word institution ("Senate", "Labor"). Linear in the text, like `people`.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass

from pipeline.config_dir import config_path
from pipeline.tagging.countries import gazetteer as country_gazetteer
from pipeline.tagging.runs import capitalised_runs
from pipeline.tagging.spans import Taken

_ACRONYM = re.compile(r"[A-Z][A-Z&]{1,5}")
_POSSESSIVE = re.compile(r"['\u2019]s$")
_WORDS_AROUND = re.compile(r"[^\W\d_]+")
_GOVERNMENTS = frozenset({"Government", "Administration", "Cabinet", "Opposition"})
_OPENING_WORDS = frozenset({"The", "A", "An", "In", "At", "On", "For", "And", "But", "Of", "To", "By", "From", "While"})


@dataclass(frozen=True, slots=True)
class NamedOrganisation:
    name: str
    start: int
    end: int


@dataclass(frozen=True)
class _Lexicon:
    heads: frozenset[str]
    openers: frozenset[str]
    institutions: frozenset[str]
    not_acronyms: frozenset[str]
    titles: frozenset[str]
    generic: frozenset[str]
    heads_and_openers: frozenset[str]


@functools.cache
def _lexicon() -> _Lexicon:
    names = tomllib.loads(config_path("gazetteers", "names.toml").read_text(encoding="utf-8"))
    return _Lexicon(
        heads=frozenset(names["organisation_heads"]),
        openers=frozenset(names["organisation_openers"]),
        institutions=frozenset(names["institutions"]),
        not_acronyms=frozenset(names["not_acronyms"]),
        titles=frozenset(names["courtesy"]) | frozenset(names["modifiers"]) - frozenset(names["organisation_heads"]),
        generic=frozenset(names["generic_organisation_words"]),
        heads_and_openers=frozenset(names["organisation_heads"]) | frozenset(names["organisation_openers"]),
    )


def find_organisations(text: str, runs: list[tuple[int, int]] | None = None) -> list[NamedOrganisation]:
    """Every organisation's name in `text`, in order, each mention once, none inside another; `runs`, the text's
    `capitalised_runs` when the caller has them already. An acronym or a one-word institution that names an
    organisation found in full ("ISAF" for "International Security Assistance Force", "Labor" for "Labor Party")
    is that organisation again: its `name` is the full name."""
    lexicon = _lexicon()
    found: list[NamedOrganisation] = []
    singles: list[tuple[int, str]] = []  # words of runs that may be an acronym or an institution on their own
    for start, end in capitalised_runs(text) if runs is None else runs:
        words = text[start:end].split()
        if len(words) > 1 and ({_bare(word) for word in words} & lexicon.heads_and_openers):
            found += _in_run(text, start, end, lexicon)
        offset = start
        for word in words:
            if word[:2].isupper() or word in lexicon.institutions:  # an acronym or an institution, maybe
                offset = text.index(word, offset)
                singles.append((offset, _bare(word)))
                offset += len(word)
    taken = Taken(len(text), ((o.start, o.end) for o in found))
    for start, word in singles:
        acronym = _ACRONYM.fullmatch(word) and word not in lexicon.not_acronyms and not _is_country(word)
        named = (acronym and not _in_capitals(text, start)) or word in lexicon.institutions
        if named and taken.free(start, start + 1):
            found.append(NamedOrganisation(word, start, start + len(word)))
    full = [organisation.name for organisation in found if " " in organisation.name]
    return sorted((_in_full(organisation, full) for organisation in found), key=lambda o: o.start)


def _in_full(organisation: NamedOrganisation, full: list[str]) -> NamedOrganisation:
    """The organisation under the full name its acronym or first word stands for, if the text gives one."""
    if " " in organisation.name:
        return organisation
    for name in full:
        words = name.split()
        initials = "".join(word[0] for word in words if word[0].isupper())
        if organisation.name in (initials, words[0]):
            return NamedOrganisation(name, organisation.start, organisation.end)
    return organisation


def _in_run(text: str, start: int, end: int, lexicon: _Lexicon) -> list[NamedOrganisation]:
    """The organisation a run of capitalised words names, if any: cut at possessives ("Ukraine's National Security
    Council": the owner is not part of the name) and full stops, without the titles and sentence words before it."""
    words = [(start + w.start(), start + w.end()) for w in re.finditer(r"\S+", text[start:end])]
    found = []
    for piece in _pieces(text, words):
        bare = [_bare(text[s:e]) for s, e in piece]
        opening = 0
        while opening < len(bare) - 1 and bare[opening] in _OPENING_WORDS:
            opening += 1
        if opening < len(bare) - 2 and bare[opening] in lexicon.titles and bare[opening + 1] == "of":
            opening += 2 + (bare[opening + 2] == "the")  # "Head of the Australian Food and Grocery Council"
        piece, bare = piece[opening:], bare[opening:]
        if not piece or not bare[0][0].isupper() or not bare[-1][0].isupper():
            continue
        name = " ".join(bare)
        headed = any(word in lexicon.heads for word in bare[1:])
        opened = len(bare) >= 3 and bare[0] in lexicon.openers and bare[1] in ("of", "for")
        if (headed or opened) and not _generic(bare, lexicon) and not _names_a_place(name, lexicon):
            found.append(_named(text, piece[0][0], piece[-1][1]))
    return found


def _pieces(text: str, words: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Words cut after a possessive or a full stop, and before "and the" ("Westpac and the National Australia
    Bank" are two)."""
    pieces: list[list[tuple[int, int]]] = [[]]
    for index, (start, end) in enumerate(words):
        word = text[start:end]
        following = text[words[index + 1][0] : words[index + 1][1]] if index + 1 < len(words) else ""
        previous = text[words[index - 1][0] : words[index - 1][1]] if index else ""
        if word == "and" and following == "the":
            pieces.append([])
            continue
        if word == "the" and previous not in ("of", "for", "on"):  # "Named the International ...", "Seven the"
            pieces.append([])
            continue
        pieces[-1].append((start, end))
        if _POSSESSIVE.search(word) or (word.endswith(".") and not re.fullmatch(r"(?:[A-Z]\.)+", word)):
            pieces.append([])
    return [[(s, e) for s, e in piece] for piece in pieces if piece]


def _names_a_place(name: str, lexicon: _Lexicon) -> bool:
    """Whether a place's name holds the head word ("West Bank", "West Bank and Gaza Strip"), or the whole name is a
    country's."""
    for match in country_gazetteer().matcher.find(name):
        if any(word in lexicon.heads for word in match.surface.split()) or match.surface == name:
            return True
    return False


def _generic(words: list[str], lexicon: _Lexicon) -> bool:
    """A government named only by whose it is ("Federal Government", "Israeli Government"); "Australian Army" or
    "Australian Federal Police" are names."""
    qualifiers = words[:-1]
    return words[-1] in _GOVERNMENTS and all(word in lexicon.generic or _is_country(word) for word in qualifiers)


def _named(text: str, start: int, end: int) -> NamedOrganisation:
    name = text[start:end]
    name = name[:-2] if _POSSESSIVE.search(name) else name.rstrip(".")
    return NamedOrganisation(name, start, start + len(name))


def _bare(word: str) -> str:
    return word[:-2] if _POSSESSIVE.search(word) else word.rstrip(".,")


def _in_capitals(text: str, at: int) -> bool:
    """Whether the acronym stands among words in capitals (a headline or dateline in capitals), not as a name."""
    around = _WORDS_AROUND.findall(text[max(0, at - 24) : at + 30])
    capitals = [word for word in around if len(word) > 1 and word.isupper()]
    return len(around) >= 3 and len(capitals) > 0.8 * len(around)


@functools.cache
def _is_country(word: str) -> bool:
    return any(m.start == 0 and m.end == len(word) for m in country_gazetteer().matcher.find(word))
