"""Find gazetteer forms in running text: one Aho-Corasick pass, then word-boundary checks.

The automaton holds every form in each way its case may be written (as written, with a capital first
letter at a sentence start, in capitals when it has four letters or more, in headlines and datelines), with
curly apostrophes straightened, and is built once; a story costs one pass over its text. So "US" never matches
"us" nor "Chad" "chad", and the pass meets no lowercase text inside words ("li" in "police"), which an automaton
over lowercased text meets a hundred times a story. A hit counts only when it does not start or end inside a
word. Where hits overlap, the leftmost and then the longest wins ("South Korea" over "Korea", "New Mexico" over
"Mexico"): the standard longest-match rule of gazetteer taggers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any, Generic, NamedTuple, TypeVar

import ahocorasick_rs

T = TypeVar("T")


def fold(text: str) -> str:
    """Lowercase with straight apostrophes, keeping every character at its offset."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters ("İ") lowercase to two: keep those as they are
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    # str.replace, not str.translate: translate looks every character up in a dict, 15 times slower on a story
    if "\u2019" in lowered or "\u2018" in lowered or "\u02bc" in lowered:
        lowered = lowered.replace("\u2019", "'").replace("\u2018", "'").replace("\u02bc", "'")
    return lowered


def alternation(words: Iterable[str]) -> str:
    """A regular expression group matching any of the words as written, the longest first ("a déclaré" before "a")."""
    return "(?:" + "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)) + ")"


def ascii_variant(form: str) -> str:
    """The form without diacritics ("Türkiye" → "Turkiye"), as it is often typed."""
    if form.isascii():
        return form
    return "".join(c for c in unicodedata.normalize("NFKD", form) if not unicodedata.combining(c))


def writings(form: str) -> set[str]:
    """Every way a form may be written in text, apostrophes straightened: as written, with a capital first letter
    (a sentence start), or in capitals when it has four letters or more (headlines, datelines)."""
    form = straight(form)
    written = {form, form[:1].upper() + form[1:]}
    if sum(c.isalpha() for c in form) >= 4:
        written.add(form.upper())
    return written


def straight(text: str) -> str:
    """The text with curly apostrophes straightened, every character at its offset."""
    if "\u2019" in text or "\u2018" in text or "\u02bc" in text:
        return text.replace("\u2019", "'").replace("\u2018", "'").replace("\u02bc", "'")
    return text


def _inside_word(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum())


class Match(NamedTuple, Generic[T]):
    """A form found in a text (a tuple: a story makes dozens, and a frozen dataclass costs three times as much)."""

    start: int
    end: int
    surface: str  # as written in the text
    form: str  # the gazetteer form it matched
    value: T


class Matcher(Generic[T]):
    """Every form of a gazetteer in one automaton; `find` gives the non-overlapping matches in a text."""

    def __init__(self, forms: Iterable[tuple[str, T]]) -> None:
        by_key: dict[str, list[tuple[str, T]]] = {}
        for form, value in forms:
            for written in writings(form):
                by_key.setdefault(written, []).append((form, value))
        self.entries: dict[str, tuple[tuple[str, T], ...]] = {key: tuple(found) for key, found in by_key.items()}
        self._automaton = _Automaton(self.entries)
        self.size = len(self.entries)
        self.joint: Joint | None = None

    def find(self, text: str) -> list[Match[T]]:
        """Leftmost-longest matches that pass the boundary checks."""
        if not self.size:
            return []
        candidates: list[Match[T]] = []
        for entries, start, end in self._automaton.hits(text):
            if not _inside_word(text, start, end):
                candidates.append(Match(start, end, text[start:end], entries[0][0], entries[0][1]))
        return leftmost_longest(candidates)

    def find_joint(self, text: str) -> dict[Matcher[Any], list[Match[Any]]]:
        """This matcher's matches, and those of every matcher joined with it, from one pass over the text."""
        return self.joint.find(text) if self.joint is not None else {self: self.find(text)}


class Joint:
    """Matchers that read every story, as one automaton: the text is walked once for all of them, which is most
    of a matcher's cost (the walk costs the same for any number of forms). Each matcher's matches are exactly
    those of its own `find`."""

    def __init__(self, *matchers: Matcher[Any]) -> None:
        by_key: dict[str, list[tuple[int, tuple[tuple[str, Any], ...]]]] = {}
        for index, matcher in enumerate(matchers):
            for key, entries in matcher.entries.items():
                by_key.setdefault(key, []).append((index, entries))
            matcher.joint = self
        self._matchers = matchers
        self._automaton = _Automaton({key: tuple(groups) for key, groups in by_key.items()})

    def find(self, text: str) -> dict[Matcher[Any], list[Match[Any]]]:
        candidates: list[list[Match[Any]]] = [[] for _ in self._matchers]
        for groups, start, end in self._automaton.hits(text):
            if not _inside_word(text, start, end):
                surface = text[start:end]
                for index, entries in groups:
                    candidates[index].append(Match(start, end, surface, entries[0][0], entries[0][1]))
        return {matcher: leftmost_longest(found) for matcher, found in zip(self._matchers, candidates, strict=True)}


class _Automaton(Generic[T]):
    """Keys and their payloads in one Aho-Corasick automaton (ahocorasick-rs, a DFA in Rust): all overlapping
    hits of a 4 KB story in about 26 µs, where pyahocorasick's walk took 137 µs (docs/parsing-and-tagging.md)."""

    def __init__(self, payloads: dict[str, T]) -> None:
        self._payloads = list(payloads.values())
        keys = list(payloads)
        self._automaton = (
            ahocorasick_rs.AhoCorasick(keys, implementation=ahocorasick_rs.Implementation.DFA) if keys else None
        )

    def hits(self, text: str) -> list[tuple[T, int, int]]:
        """(payload, start, end) of every occurrence of every key, overlapping ones included, in character
        offsets of `text` (apostrophes straightened first, which keeps every offset)."""
        if self._automaton is None:
            return []
        payloads = self._payloads
        found = self._automaton.find_matches_as_indexes(straight(text), overlapping=True)
        return [(payloads[index], start, end) for index, start, end in found]


def leftmost_longest(candidates: list[Match[T]]) -> list[Match[T]]:
    """The leftmost, then longest, of overlapping candidates, in text order (sorts `candidates` in place)."""
    candidates.sort(key=lambda m: (m.start, m.start - m.end))
    chosen: list[Match[T]] = []
    reach = 0
    for match in candidates:
        if match.start >= reach:
            chosen.append(match)
            reach = match.end
    return chosen
