"""Runs of capitalised words: where names of people and organisations that no gazetteer lists can stand.

One regular expression pass over the story text gives every run of capitalised words ("Prime Minister John
Howard", "Bureau of Meteorology", "ASIO", "Mr Howard"), with the lowercase words that may join a name's words
("of", "for", "and", "the", and the particles of people's names: "bin", "de", "van"). `people` and
`organisations` read their names out of the same runs, so the text is scanned once for both.
"""

from __future__ import annotations

import re

_CAPITALISED = r"[A-Z][\w'\u2019&.-]*"
_JOINERS = (
    "of|for|and|on|the|de|du|des|la|le|el|al|da|do|dos|das|del|della|di|van|von|der|den|ter|bin|bint|ibn|ben|abu|ul|y"
)
# No `\b` or look-behind at the front: the engine would test it at every position of the text, which costs more
# than the whole match; a run that starts inside a word is dropped after the match instead.
_RUN = re.compile(rf"{_CAPITALISED}(?:[ \t]+(?:(?:{_JOINERS})[ \t]+)*{_CAPITALISED})*")
_INSIDE_WORD = frozenset("-'\u2019_")
JOINERS = frozenset(_JOINERS.split("|"))
_SENTENCE_WINDOW = 64  # characters before a word read to tell whether it opens a sentence
_REGNAL = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")  # I to XXXIX


def regnal_number(word: str) -> bool:
    """Whether a word in capitals is the Roman number of a monarch or pope ("Mohammed VI", "Leo XIV"): part of a
    person's name, never an acronym."""
    return bool(word) and _REGNAL.fullmatch(word) is not None


def opens_sentence(text: str, start: int, stops: str = ".!?:") -> bool:
    """Whether the word at `start` opens the text or a sentence: the last character before it, past spaces and
    quotes, is one of `stops`. Only a window before it is read: a word late in a long story costs no more."""
    before = text[max(0, start - _SENTENCE_WINDOW) : start].rstrip(" \t\"'\u00ab\u201c")
    return not before or before[-1] in stops


def capitalised_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each run of capitalised words joined by the lowercase words names hold, in order. A run
    opened by an Arabic article ("al-Sharaa") starts at the article; none starts inside another word."""
    runs = []
    for run in _RUN.finditer(text):
        start = run.start()
        before = text[start - 1] if start else " "
        if before.isalnum() or before in _INSIDE_WORD:
            article = start - 3
            if text[article:start] in ("al-", "el-") and (article == 0 or not text[article - 1].isalnum()):
                runs.append((article, run.end()))
            continue
        runs.append(run.span())
    return runs
