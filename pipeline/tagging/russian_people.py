"""People named in Russian text, by the Cyrillic capitals the Latin reader in `people` does not see: "Дональда
Трампа", "г-н Осборн", "сказал Сакиб".

Russian writes common nouns and adjectives in lowercase, so a run of two or more capitalised words that no country
form, institution or sentence word takes is a name; pymorphy3 (the OpenCorpora dictionary, with guesses for words
it does not list) says whether a word reads as a given name, surname or patronymic, and gives its nominative, so
"Дональда Трампа" and "Дональд Трамп" are one person named "Дональд Трамп". A single capitalised word is a person
after a title ("президента Обамы"), beside a reporting verb ("сказал Сакиб", "Дюндар заявил"), or mid-sentence when
its dictionary reading is a name or surname. The dictionary is loaded on the first Russian story.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.config_dir import config_path
from pipeline.tagging.countries import story_gazetteer
from pipeline.tagging.matching import alternation

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer
    from pymorphy3.analyzer import Parse

_WORD = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
_RUN = re.compile(rf"{_WORD}(?:[ \t]+{_WORD}){{0,3}}(?:[ \t]+[IVX]{{1,4}}\b)?")
_ROMAN = re.compile(r"[IVX]+")
_NAMES = frozenset({"Name", "Surn", "Patr"})
_NOT_PEOPLE = frozenset({"Geox", "Orgn", "Trad"})  # places, organisations, trademarks
_OPENERS = ".!?:\u00ab\u201c\"'\u2014\u2013-("
_LOOK_BACK = 32


@dataclass(frozen=True)
class _Lexicon:
    titles: frozenset[str]
    not_names: frozenset[str]
    place_words: frozenset[str]
    speech_before: re.Pattern[str]
    speech_after: re.Pattern[str]


@functools.cache
def _lexicon() -> _Lexicon:
    data = tomllib.loads(config_path("gazetteers", "people.ru.toml").read_text(encoding="utf-8"))
    verbs = alternation(data["speech_verbs"])
    return _Lexicon(
        titles=frozenset(data["titles"]),
        not_names=frozenset(data["not_names"]),
        place_words=frozenset(data["place_words"]),
        speech_before=re.compile(rf"(?<!\w){verbs},?[ \t]+$"),
        speech_after=re.compile(rf",?[ \t]+{verbs}(?!\w)"),
    )


@functools.cache
def _morph() -> MorphAnalyzer:
    import pymorphy3  # about 0.1 s and 15 MB: only a Russian story pays for it

    return pymorphy3.MorphAnalyzer()


@dataclass(frozen=True, slots=True)
class _Reading:
    named: bool  # some reading is a given name, surname or patronymic
    first_named: bool  # the likeliest reading is one
    thing: bool  # the likeliest reading is a place, organisation or trademark
    nominative: str  # the likeliest name reading's nominative, or the word as written if it is one already
    case: str | None  # the case of the likeliest name reading
    by_case: tuple[tuple[str, str], ...]  # (case, nominative) of each name reading
    adjective: str | None  # the nominative of an adjective ("Старшего" → "Старший")


# Endings a foreign man's surname takes in each case ("Винтеркорна", "Диессе"), when the dictionary does not know it.
_ENDINGS = {"gent": ("а", "я"), "datv": ("у", "ю"), "accs": ("а", "я"), "ablt": ("ом", "ем"), "loct": ("е",)}


@functools.lru_cache(maxsize=65536)
def _read(word: str) -> _Reading:
    """What the dictionary makes of a capitalised word. Cached: names come back within a story and across a wire."""
    if "-" in word:  # "Жан-Пьер": each part
        parts = [_read(part) for part in word.split("-")]
        return _Reading(
            all(p.named for p in parts),
            all(p.first_named for p in parts),
            any(p.thing for p in parts),
            "-".join(p.nominative for p in parts),
            parts[0].case,
            (),
            None,
        )
    parses = _morph().parse(word)
    spell = (lambda form: form) if "ё" in word else (lambda form: form.replace("ё", "е"))  # as the text writes е
    named = [p for p in parses if _NAMES & p.tag.grammemes and "plur" not in p.tag.grammemes]
    first = parses[0].tag
    as_written = any(p.normal_form == word.lower() and {"nomn", "sing"} <= p.tag.grammemes for p in parses)
    known = [p for p in named if _in_dictionary(p)]  # a guessed reading's nominative is a guess too ("Энджела")
    nominative = word if as_written or not known else spell(known[0].normal_form.capitalize())
    by_case = tuple((p.tag.case, spell(p.normal_form.capitalize())) for p in known if p.tag.case)
    return _Reading(
        bool(named),
        bool(_NAMES & first.grammemes),
        bool(_NOT_PEOPLE & first.grammemes),
        nominative,
        "nomn" if as_written else named[0].tag.case if named else None,
        by_case,
        spell(parses[0].normal_form.capitalize()) if first.POS == "ADJF" and not named else None,
    )


def _in_dictionary(parse: Parse) -> bool:
    return type(parse.methods_stack[0][0]).__name__ == "DictionaryAnalyzer"


def _name(words: list[str]) -> str:
    """The nominative of a name of several words: the given name that opens it carries the case ("Мартина
    Винтеркорна" is genitive), and each word is read in that case; as written when it is nominative already."""
    readings = [_read(word) for word in words]
    case = readings[0].case
    if case in (None, "nomn"):
        return " ".join(words)
    nominatives = []
    for word, reading in zip(words, readings, strict=True):
        same = next((nominative for c, nominative in reading.by_case if c == case), None)
        if same is not None:
            nominatives.append(same)
        elif reading.adjective is not None:
            nominatives.append(reading.adjective)
        else:
            ending = next((e for e in _ENDINGS.get(case, ()) if word.endswith(e) and len(word) > len(e) + 3), "")
            nominatives.append(word[: len(word) - len(ending)])
    return " ".join(nominatives)


def find_russian_people(text: str) -> list[tuple[str, int, int]]:
    """(name, start, end) of every person named in Cyrillic in `text`, in order, each mention once: the name is the
    nominative ("Дональд Трамп" for "Дональда Трампа"), for a later surname alone the full name it refers to."""
    lexicon = _lexicon()
    places = story_gazetteer("ru")
    found: list[tuple[str, int, int]] = []
    surnames: dict[str, str] = {}  # nominative surname → the full name it ended, the last one introduced
    for run in _RUN.finditer(text):
        start = run.start()
        if start and (text[start - 1].isalnum() or text[start - 1] in "-'\u2019"):
            continue
        before = text[max(0, start - _LOOK_BACK) : start]
        gap = before[len(before.rstrip()) :]
        opens = not before.strip() or before.rstrip()[-1] in _OPENERS or "\n" in gap  # a headline ends unstopped
        spans = [(word.start(), word.end()) for word in re.finditer(r"\S+", run.group())]
        words = [run.group()[s:e] for s, e in spans]
        first, titled = 0, False
        while first < len(words):  # "Президент России Владимир Путин", "По Трампу", "Москве Путин"
            word = words[first]
            if word in lexicon.titles or word in lexicon.not_names:
                titled = titled or word in lexicon.titles
            elif not (places.names_whole(word) or (opens and first == 0 and not _read(word).named)):
                break  # the sentence's first word ("Победа Дональда Трампа") is no name unless it reads as one
            first += 1
        words, spans = words[first:], spans[first:]
        plain = [word for word in words if not _ROMAN.fullmatch(word)]
        if not plain or any(word in lexicon.not_names for word in words):
            continue
        if places.matcher.find(" ".join(words)):
            continue  # "Северной Каролине", "Нью-Йорк"
        readings = [_read(word) for word in plain]
        at, end = start + spans[0][0], start + spans[-1][1]
        if len(readings) > 1:
            if not any(r.named for r in readings) or any(r.thing for r in readings) or readings[0].adjective:
                continue  # "Северного Кестивена": a place's name opens with an adjective, a person's never
        else:
            reading = readings[0]
            prior = before.split()[-1] if before.split() else ""
            titled = titled or prior in lexicon.titles
            spoken = lexicon.speech_before.search(before) is not None or lexicon.speech_after.match(text, end)
            cued = (titled or spoken) and (reading.named or not opens)  # "Компания сказала": no name
            if reading.thing or reading.adjective or prior in lexicon.place_words:
                continue  # "из Плано": a town
            if not (cued or reading.first_named):
                continue
        numerals = [word for word in words if _ROMAN.fullmatch(word)]  # "Карл III"
        if len(readings) > 1:
            name = " ".join([_name(plain), *numerals])
            surnames[readings[-1].nominative] = name
            surnames[name.split()[len(readings) - 1]] = name
        else:
            name = " ".join([readings[0].nominative, *numerals])
            name = surnames.get(name, name)  # "Трампа" after "Дональд Трамп"
        found.append((name, at, end))
    return found
