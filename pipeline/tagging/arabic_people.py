"""People named in Arabic text, where no capital letter marks a name: the words right after a reporting verb ("قال
جو ستيرنليب") or a courtesy title or office ("السيد أوزبورن", "الرئيس الأمريكي باراك أوباما").

A name there is one to three words, each without the article ("ال", which starts the common nouns a verb may take
as its subject: "قالت الشرطة"), not a function word, and rarer in Arabic than everyday words are (wordfreq):
transliterated foreign names are rare words, and a frequent word ("رئيس", "مقابلة") ends the name. Punctuation
ends it too. A name that no such word stands before is not read: recall is bought with precision here.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass

from wordfreq import zipf_frequency

from pipeline.config_dir import config_path
from pipeline.tagging.countries import story_gazetteer

_WORD = re.compile(r"[\u0621-\u064a\u0671-\u06d3]+")  # Arabic letters; diacritics and tatweel end a word
_ENDS = frozenset(",.:;!?\"'()[]«»،؛؟")
_NAME_ZIPF = 4.8  # "جو" 4.77, "ترامب" 4.39; "مقابلة" 4.75 is the rare everyday word that gets through
_NAME_WORDS = 3
_CONJUNCTIONS = ("و", "ف")  # written onto the verb: "وقال", "فقالت"
_PREFIXES = frozenset("وفبلك")  # conjunctions and prepositions written onto the next word
_PREFIXED_ZIPF = 3.5
_TANWEEN = re.compile("[\u064b-\u064d]")  # the indefinite endings: "ً", "ٌ", "ٍ"


@dataclass(frozen=True)
class _Lexicon:
    cues: frozenset[str]  # reporting verbs (with and without a conjunction) and titles
    titles: frozenset[str]
    stop_words: frozenset[str]


@functools.cache
def _lexicon() -> _Lexicon:
    data = tomllib.loads(config_path("gazetteers", "people.ar.toml").read_text(encoding="utf-8"))
    verbs = {f"{conjunction}{verb}" for verb in data["speech_verbs"] for conjunction in ("", *_CONJUNCTIONS)}
    titles = frozenset(data["titles"])
    return _Lexicon(frozenset(verbs) | titles, titles, frozenset(data["stop_words"]))


def find_arabic_people(text: str) -> list[tuple[str, int, int]]:
    """(name, start, end) of every person named in Arabic right after a reporting verb or a title, in order."""
    lexicon = _lexicon()
    places = story_gazetteer("ar")
    words = list(_WORD.finditer(text))
    found: list[tuple[str, int, int]] = []
    for index, cue in enumerate(words):
        if cue.group() not in lexicon.cues:
            continue
        first = index + 1
        if cue.group() in lexicon.titles:  # "الرئيس الأمريكي": an adjective of nationality before the name
            while first < len(words) and first - index <= 2 and _nationality(words[first].group()):
                first += 1
        name: list[re.Match[str]] = []
        for word in words[first : first + _NAME_WORDS]:
            previous_end = name[-1].end() if name else (words[first - 1].end() if first else 0)
            if not _joined(text, previous_end, word.start()) or not _name_word(word.group(), lexicon):
                break
            if name and word.group().endswith("ة"):
                break  # "كلينتون معروفة": a feminine adjective after the name, which foreign surnames do not end in
            if _TANWEEN.match(text, word.end()):
                break  # "عقداً": a noun's indefinite ending, which no name takes
            name.append(word)
            if text[word.end() : word.end() + 1] in _ENDS:
                break
        if not name:
            continue
        start, end = name[0].start(), name[-1].end()
        if places.matcher.find(text[start:end]):
            continue  # "قال البيت الأبيض" has its article; "وصل ترامب إلى موسكو" stops at "إلى" anyway
        found.append((text[start:end], start, end))
    return found


def _joined(text: str, end: int, start: int) -> bool:
    """Whether only spaces stand between two words: punctuation between them ends a name."""
    return not text[end:start].strip()


def _name_word(word: str, lexicon: _Lexicon) -> bool:
    return (
        len(word) > 1
        and not word.startswith("ال")
        and word not in lexicon.stop_words
        and word not in lexicon.cues
        and zipf_frequency(word, "ar") < _NAME_ZIPF
        and not _prefixed(word)
    )


def _prefixed(word: str) -> bool:
    """A common word with a conjunction or preposition written onto it ("ومدير", "بالكاد"), not a name that
    starts with the same letter ("وودز", "بونو"): what is left has the article or is an everyday word."""
    if word[0] not in _PREFIXES or len(word) < 4:
        return False
    rest = word[1:]
    return rest.startswith("ال") or zipf_frequency(rest, "ar") >= _PREFIXED_ZIPF


def _nationality(word: str) -> bool:
    """ "الأمريكي", "الفرنسية": an adjective with the article and the nisba ending."""
    return word.startswith("ال") and (word.endswith("ي") or word.endswith("ية"))
