"""People named in running text whether or not a gazetteer lists them: "Claire Richards", "Osama bin Laden",
"Mr Howard".

A run of capitalised words is read as a person's name when, once the words before a name are taken off it
(courtesy titles and ranks, sentence words, country names and demonyms: "Afghan Interim Leader Hamid Karzai"),
its first word is a given name (config/gazetteers/first-names.txt) or an initial, or a courtesy title or rank
stood before it; a single word after a courtesy title ("Mr Howard", "Dr Nelson") is a surname. A run ending in
an organisation's or a place's head word ("Howard Government", "Elizabeth Hospital", "Hume Highway"), holding
a word that is never a name, or holding a country or city form is not a person. Cost is one regular expression
pass and set look-ups: linear in the text.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass

from wordfreq import zipf_frequency

from pipeline.config_dir import config_path, languages_of
from pipeline.tagging.arabic_people import find_arabic_people
from pipeline.tagging.countries import story_gazetteer
from pipeline.tagging.matching import alternation, fold
from pipeline.tagging.runs import capitalised_runs, opens_sentence, regnal_number
from pipeline.tagging.russian_people import find_russian_people

_UPPER = "A-ZÀ-ÖØ-Þ" + "".join(c for c in map(chr, range(0x100, 0x180)) if c.isupper())
_POSSESSIVE = re.compile(r"['\u2019]s?$")
_INITIALS = re.compile(rf"(?:[{_UPPER}]\.)+")
_SPLITTERS = frozenset({"of", "for", "and", "on", "the"})  # joiners of organisations' names, never of people's
_AFTER_PLACE_WORD = re.compile(
    r"\b(?:(?:in|at|near|outside|around|across|towards|toward|via)(?:[ \t]+the)?"
    r"|(?:town|city|village|suburb|region|province|state|island|district|area)[ \t]+of)[ \t]+$"
)
# A lowercase noun of places after the run: "the Tora Bora region", "Tora Bora caves".
_PLACE_NOUN_AFTER = re.compile(
    r"[ \t]+(?:region|area|province|district|valley|mountains?|caves?|border|town|city|village|suburb|airport|base"
    r"|camp|battleground|range|hills|river|coast|island|peninsula|highway|road|street|state|territory)\b"
)
_LOWERCASE_TITLE = re.compile(r"\b[^\W\d_]+[.,]?[ \t]+$")  # "former president ", "batsmen, ", "del sr. "
_NEXT_CAPITALISED = re.compile(r"[ \t]+([A-Z][\w'\u2019-]*)")
_WORD = re.compile(r"\S+")
_LIST_GAP = re.compile(r",?[ \t]+and[ \t]+|,[ \t]+")  # between two names of a list
_LIST_GAP_BEFORE = re.compile(r"(?:,?[ \t]+and[ \t]+|,[ \t]+)$")
_LIST_INTRO = re.compile(r"\b[a-z]+(?:s|men),?[ \t]+$")  # a plural noun before a list of people: "openers "
_LOOK_BACK = 24
_OFFICE_ZIPF = 4.0  # "Minister", "Secretary": an office, where "Sultan" or "King" may be a surname
_SPOKEN_WORDS = 3
_EVERYDAY_ZIPF = 5.0  # "petit", "selon", "mais": a word this frequent in the story's language is no lone name
_OPENING_ZIPF = 4.5  # at a sentence's start, where every word is capitalised ("Ceci")
# Where nouns are capitalised (German) and many are surnames too ("Winter" 4.6, "Hammer" 4.0, "Rauch" 3.9), a lone
# name with no reporting verb beside it must be rarer than these ("Campbell" 3.5, "Duffy" 2.7)
_NOUN_ZIPF = 3.6
_OPENER_ZIPF = 6.0  # "ora", "hasta", "dann": this frequent, a word before another given name opens the sentence
# A name the world's news writes is about as frequent in other languages as in German: at most this much less
_WORLDWIDE_MARGIN = 0.25
_AFTER_NUMBER = re.compile(r"\d[ \t]*$")  # "20 Mio. Euro": an abbreviation, not a sentence's end
_SPEECH_AFTER = re.compile(
    r"[ \t]*(?:,[ \t]*who\b|,[ \t]*\d{1,3},|[ \t]+(?:said|says|told|added|warned|insisted|explained|stressed|claimed"
    r"|admitted|denied|wrote|announced|urged|replied)\b)"
)


# Readers of the names a language writes in a script of its own: (name, start, end) of each mention.
_SCRIPT_READERS: dict[str, Callable[[str], list[tuple[str, int, int]]]] = {
    "ru": find_russian_people,
    "ar": find_arabic_people,
}


@dataclass(frozen=True, slots=True)
class NamedPerson:
    name: str  # as written, without the titles before it ("Hamid Karzai", or a surname alone: "Howard")
    start: int
    end: int
    surname_only: bool  # a single word after a courtesy title


@dataclass(frozen=True, eq=False)  # one per language, hashed by identity as a cache key
class _Lexicon:
    language: str  # ISO 639-1: the language whose word frequencies tell everyday words from names
    given: frozenset[str]
    courtesy: frozenset[str]
    honorifics: frozenset[str]
    modifiers: frozenset[str]
    lowercase_titles: frozenset[str]
    not_names: frozenset[str]
    heads: frozenset[str]
    organisation_heads: frozenset[str]
    before_names: frozenset[str]  # courtesy titles and given names: what may follow a place word that opens a run
    lone_names: frozenset[str]  # given names and surnames that are a person standing alone (not in English)
    speech_before: re.Pattern[str] | None  # a reporting verb ending the text before a name ("a déclaré ")
    speech_after: re.Pattern[str] | None  # a reporting verb right after a name (" a dit")
    age_after: re.Pattern[str] | None = None  # an age in apposition after a name (", maintenant 31 ans,", " (31)")
    nouns_capitalised: bool = False  # German: a capitalised word before a given name is a title, not a name
    kin_nouns: frozenset[str] = frozenset()  # nouns a lone name may follow where nouns are capitalised ("Tochter")
    articles: frozenset[str] = frozenset()  # the language's articles that given names are spelt like ("Le")
    worldwide_languages: tuple[str, ...] = ()  # where a known name must be about as frequent as in the story's

    def common(self, word: str, zipf: float = 2.5) -> bool:
        return _common_word(word, zipf, self.language)

    def place(self, word: str) -> bool:
        return _is_place(word, self.language)


@functools.cache
def languages() -> frozenset[str]:
    """The languages besides English with words of their own for names (config/gazetteers/names.<lang>.toml)."""
    return languages_of("names")


@functools.cache
def _lexicon(language: str = "en") -> _Lexicon:
    """The English words around names, with those of `language` added (its titles, courtesy words, sentence words)
    when config/gazetteers has a names file for it."""
    names = tomllib.loads(config_path("gazetteers", "names.toml").read_text(encoding="utf-8"))
    plurals = _plurals(names["lowercase_titles"])  # of the English titles only
    if language in languages():
        own = tomllib.loads(config_path("gazetteers", f"names.{language}.toml").read_text(encoding="utf-8"))
        for key in ("courtesy", "honorifics", "lowercase_titles", "not_names"):
            added = own.get(key, [])
            if key in ("courtesy", "honorifics"):  # a name's words are read without a closing full stop: "Sr"
                added = added + [title.rstrip(".") for title in added if title.endswith(".")]
            names[key] = names[key] + added
        for key in (
            "speech_verbs",
            "age_words",
            "bare_ages",
            "nouns_capitalised",
            "kin_nouns",
            "worldwide_languages",
            "articles",
        ):
            names[key] = own.get(key, [])
    titles = tomllib.loads(config_path("gazetteers", "titles.toml").read_text(encoding="utf-8"))["names"]
    given_names = _words_of("first-names.txt")
    return _Lexicon(
        language=language if language in languages() else "en",
        nouns_capitalised=bool(names.get("nouns_capitalised", False)),
        kin_nouns=frozenset(names.get("kin_nouns", [])),
        articles=frozenset(names.get("articles", [])),
        worldwide_languages=tuple(names.get("worldwide_languages", [])),
        given=given_names,
        courtesy=frozenset(names["courtesy"]) | frozenset(names["modifiers"]),
        honorifics=frozenset(names["honorifics"]),
        modifiers=frozenset(names["modifiers"]),
        lowercase_titles=frozenset(names["lowercase_titles"]) | plurals,
        not_names=frozenset(names["not_names"]) | frozenset(titles["not_names"]),
        heads=frozenset(names["organisation_heads"]) | frozenset(names["place_heads"]),
        organisation_heads=frozenset(names["organisation_heads"]),
        before_names=frozenset(names["courtesy"]) | frozenset(names["modifiers"]) | given_names,
        lone_names=known_names() if language in languages() else frozenset(),
        **_speech(names.get("speech_verbs", [])),
        age_after=_age(names.get("age_words", []), bool(names.get("bare_ages", False))),
    )


def _plurals(titles: list[str]) -> frozenset[str]:
    """English plurals of the titles, which stand before a list of names ("batsmen, Makhaya Ntini and Nanti
    Hayward", "senators John Smith and Mary Jones")."""
    plurals = set()
    for title in titles:
        if title.endswith("man"):
            plurals.add(title[:-3] + "men")
        elif title.endswith(("s", "sh", "ch", "x")):
            plurals.add(title + "es")
        elif title.endswith("y") and title[-2:-1] not in "aeiou":
            plurals.add(title[:-1] + "ies")
        else:
            plurals.add(title + "s")
    return frozenset(plurals)


def _speech(verbs: list[str]) -> dict[str, re.Pattern[str] | None]:
    """Patterns of a language's reporting verbs before and after a name (none for English, which has its own)."""
    if not verbs:
        return {"speech_before": None, "speech_after": None}
    verbs_group = alternation(verbs)
    return {
        "speech_before": re.compile(rf"(?<!\w){verbs_group},?[ \t]+$"),
        "speech_after": re.compile(rf"[ \t]+{verbs_group}(?!\w)"),
    }


def _age(words: list[str], bare: bool) -> re.Pattern[str] | None:
    """An age in apposition right after a name, as the language's wire copy writes it: "Jutting, maintenant 31 ans,",
    "Jutting, que ahora tiene 31 años,". `bare`: the language also writes it without the word for years, after a
    comma or in brackets ("Jutting, mittlerweile 31,", "Jutting (31)"), where French brackets a département
    ("Colomiers (31)") and a league table a score ("Lens (31)"). None for English, whose lone words are no names."""
    if not words:
        return None
    unit = rf"[ \t]+{alternation(words)}"
    unit = rf"(?:{unit})?" if bare else unit
    after_comma = rf",[ \t]+(?:[^\W\d_]+[ \t]+){{0,3}}\d{{1,3}}{unit}[ \t]*(?:,(?!\d)|;|\))"  # not "der 1,165 Euro"
    return re.compile(rf"{after_comma}|[ \t]+\(\d{{1,3}}{unit}\)")


@functools.cache
def known_names() -> frozenset[str]:
    """The given names and surnames of config/gazetteers: words that may be a person's name standing alone."""
    return _words_of("first-names.txt") | _words_of("surnames.txt")


@functools.cache  # first-names.txt serves every language's lexicon and known_names()
def _words_of(name: str) -> frozenset[str]:
    lines = config_path("gazetteers", name).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def find_people(text: str, runs: list[tuple[int, int]] | None = None, language: str | None = None) -> list[NamedPerson]:
    """Every person's name in `text`, in order, each mention once; `runs`, the text's `capitalised_runs` when the
    caller has them already; `language`, the story's (English words are always known)."""
    lexicon = _lexicon(language or "en")
    found: list[NamedPerson] = []
    unread: list[tuple[int, int]] = []  # names of more than one word read as nobody's, maybe one in a list of people
    for run_start, run_end in capitalised_runs(text) if runs is None else runs:
        single = " " not in text[run_start:run_end]
        if single and not _after_lowercase_title(text, run_start, lexicon):
            # one capitalised word is a person only after a title (most open a sentence), or, in a story not in
            # English, when it is a known given name or surname and no everyday word of the language
            if lexicon.language != "en" and (person := _lone_name(text, run_start, run_end, lexicon)) is not None:
                found.append(person)
            continue
        for start, end in [(run_start, run_end)] if single else _pieces(text, run_start, run_end, lexicon):
            if " " not in text[start:end] and not _after_lowercase_title(text, start, lexicon):
                # a word that ends a sentence inside the run ("sagt Barratt. Die …", not "20 Mio. Euro") or owns
                # what follows it ("Obamas Beraterin", cut before its -s) stands alone as a lone word does
                owns = end < run_end and text[end] == "s"
                ends = text[end - 1] == "." and not _AFTER_NUMBER.search(text, max(0, start - 4), start)
                if (owns or ends) and (person := _lone_name(text, start, end, lexicon)) is not None:
                    found.append(person)
                continue
            if (person := _person(text, start, end, lexicon)) is not None:
                found.append(person)
            elif (last := _after_kin(text, start, end, lexicon)) is not None:
                if (person := _lone_name(text, last, end, lexicon, cued=True)) is not None:
                    found.append(person)
            elif " " in text[start:end]:
                unread.append((start, end))
    found = _with_listed(text, found, unread, lexicon) if unread and found else found
    if (reader := _SCRIPT_READERS.get(language or "")) is not None:  # names the Latin runs above do not hold
        others = [NamedPerson(name, start, end, False) for name, start, end in reader(text)]
        found = sorted(found + others, key=lambda person: person.start)
    return found


def _genitive(word: str, following: str, lexicon: _Lexicon) -> bool:
    """Whether `word` is the genitive of a known name that owns the word after it, where the language adds a bare
    -s ("Obamas Sonderberaterin"; not "Buenos Aires", a place, nor "Wilders", a name of its own)."""
    if not lexicon.nouns_capitalised or not word.endswith("s") or word in lexicon.lone_names:
        return False
    return word[:-1] in lexicon.lone_names and not _holds_place((word, following), False, lexicon.language)


def _after_kin(text: str, start: int, end: int, lexicon: _Lexicon) -> int | None:
    """Where the last word of a run starts when a kinship noun stands before it, in a language that capitalises its
    nouns ("seine Ehefrau Alice", "Ihre Tochter Angela"): that word may be a lone name. None elsewhere."""
    words = text[start:end].split()
    if len(words) < 2 or words[-2] not in lexicon.kin_nouns:
        return None
    return end - len(words[-1])


def _with_listed(
    text: str, found: list[NamedPerson], unread: list[tuple[int, int]], lexicon: _Lexicon
) -> list[NamedPerson]:
    """`found` and the names listed beside a person's full name after a plural noun ("openers Hershelle Gibbs and
    Gary Kirsten"): two or three rare words there are a name too, as they are before a reporting verb."""
    ends = {person.end: person for person in found if not person.surname_only}
    starts = {person.start for person in found if not person.surname_only}
    listed = []
    for start, end in unread:
        after = _LIST_GAP.match(text, end)
        before = _LIST_GAP_BEFORE.search(text, max(0, start - 6), start)
        if after is not None and after.end() in starts:
            opening = start
        elif before is not None and before.start() in ends:
            opening = ends[before.start()].start
        else:
            continue
        if not _LIST_INTRO.search(text, max(0, opening - _LOOK_BACK), opening):
            continue  # "John Smith and Goldman Sachs": no plural noun says the list is one of people
        if (person := _person(text, start, end, lexicon, listed=True)) is not None:
            listed.append(person)
    return sorted(found + listed, key=lambda person: person.start) if listed else found


def _lone_name(text: str, start: int, end: int, lexicon: _Lexicon, *, cued: bool = False) -> NamedPerson | None:
    """A known given name or surname standing alone ("Clinton et ses alliés"), or any name beside a reporting verb
    ("a fustigé Dündar", "Leive a dit"): a surname only, which the story may have introduced in full. Not a place,
    nor a town after "à", "in"..., nor a word the language uses every day ("Petit", "Mais", "Costa" in Italian;
    at a sentence's start, "Ceci"): wordfreq counts names too, so only the most frequent words are ruled out.
    `cued`: a word before it says a name follows ("Tochter"), as a reporting verb does."""
    word = _bare(text, start, end)
    spoken = cued or (
        lexicon.speech_before is not None
        and (
            lexicon.speech_before.search(text, max(0, start - _LOOK_BACK), start) is not None
            or lexicon.speech_after.match(text, end) is not None  # type: ignore[union-attr]
        )
    )
    spoken = spoken or (lexicon.age_after is not None and lexicon.age_after.match(text, end) is not None)
    opens = opens_sentence(text, start)
    places = story_gazetteer(lexicon.language)
    if (
        len(word) < 3
        or not (spoken or word in lexicon.lone_names)
        or not word[1:].islower()
        or word in lexicon.not_names
        or word in lexicon.courtesy
        or word in lexicon.heads
        or lexicon.place(word)
        or (fold(word) in places.cities and places.after_town_cue(text, start))
        or zipf_frequency(word.lower(), lexicon.language) >= _everyday_zipf(lexicon, word, opens=opens, spoken=spoken)
    ):
        return None
    return NamedPerson(word, start, start + len(word), True)


def _everyday_zipf(lexicon: _Lexicon, word: str, *, opens: bool, spoken: bool) -> float:
    """How frequent a word must be in the language to be taken for an everyday word rather than a lone name. Where
    nouns are capitalised, only a known name beside a reporting verb gets the usual bound ("sagt Dietrich", not
    "sagten Investoren")."""
    if lexicon.nouns_capitalised and not (spoken and word in lexicon.lone_names):
        worldwide = word in lexicon.lone_names and _worldwide(word, lexicon)
        return _EVERYDAY_ZIPF if worldwide else _NOUN_ZIPF
    return _OPENING_ZIPF if opens else _EVERYDAY_ZIPF


@functools.lru_cache(maxsize=65536)
def _worldwide(word: str, lexicon: _Lexicon) -> bool:
    """Whether a known name is about as frequent in each of the lexicon's `worldwide_languages` as in its own: a name
    the world's news writes ("Clinton", "Obama"), where a German noun that is a surname too is far more frequent in
    German ("Winter", "Klein", "Kraft") and a noun of one of them is rare in another ("Roman", "Tal")."""
    if not lexicon.worldwide_languages:
        return False
    own = zipf_frequency(word.lower(), lexicon.language)
    return min(zipf_frequency(word.lower(), other) for other in lexicon.worldwide_languages) >= own - _WORLDWIDE_MARGIN


def names_a_thing(text: str, end: int) -> bool:
    """Whether the name ending at `end` is part of a place's or an organisation's name: a head word follows it
    ("Queen Elizabeth Hospital", "Howard Government")."""
    following = _NEXT_CAPITALISED.match(text, end)
    return following is not None and _bare(text, *following.span(1)) in _lexicon().heads


def _after_lowercase_title(text: str, start: int, lexicon: _Lexicon) -> bool:
    """Whether a lowercase title stands right before `start` ("former president Suharto")."""
    if start < 2 or not (text[start - 2].islower() or text[start - 2] == "."):  # "president Suharto", "sr. Comey"
        return False
    return text[text.rfind(" ", 0, start - 1) + 1 : start - 1] in lexicon.lowercase_titles


def _pieces(text: str, start: int, end: int, lexicon: _Lexicon) -> list[tuple[int, int]]:
    """The run cut after each word that ends something: a possessive ("Meteorology's Claire Richards"), a full
    stop that is not an initial's or a title's ("Shane Warne. MacGill"), an organisation's or a place's head word
    ("Logan International Airport Tom Kinton")."""
    pieces, begin = [], start
    words = list(_WORD.finditer(text, start, end))
    titled = _after_lowercase_title(text, start, lexicon)  # "le pape Léon XIV", or a title in the run: "Pope Leo XIV"
    for index, word in enumerate(words):
        at, after = word.span()
        bare = _bare(text, at, after)
        acronym = len(word[0]) > 1 and word[0].isupper() and not _INITIALS.fullmatch(word[0])
        regnal = titled and index > 0 and regnal_number(bare)  # not "Apollo XI", "Rocky II"
        if word[0] in _SPLITTERS or (acronym and not regnal):
            if begin < at:  # "Bureau of Meteorology", "ASIO chief": no person's name holds these words
                pieces.append((begin, at - 1))
            begin = after + 1
            continue
        titled = titled or bare in lexicon.courtesy
        ends = word[0][-2:] in ("'s", "\u2019s") or bare in lexicon.heads
        ends = ends or (word[0].endswith(".") and not _INITIALS.fullmatch(word[0]) and word[0] not in lexicon.courtesy)
        if index + 1 < len(words) and not word[0].endswith(".") and _genitive(bare, words[index + 1][0], lexicon):
            pieces.append((begin, after - 1))  # "Hillary Clintons Team": the name without its genitive -s
            begin = after + 1
        elif ends:
            pieces.append((begin, after))
            begin = after + 1
    if begin < end:
        pieces.append((begin, end))
    return pieces


def _person(text: str, start: int, end: int, lexicon: _Lexicon, *, listed: bool = False) -> NamedPerson | None:
    before = text[max(0, start - _LOOK_BACK) : start]
    if _AFTER_PLACE_WORD.search(before) or _PLACE_NOUN_AFTER.match(text, end):
        return None  # "in Tora Bora", "near Hill Top", "the Tora Bora region": a place
    words = [word.span() for word in _WORD.finditer(text, start, end)]
    titled = bool(_LOWERCASE_TITLE.search(before)) and before.split()[-1].rstrip(",") in lexicon.lowercase_titles
    speaks = bool(_SPEECH_AFTER.match(text, end))
    bare = tuple([_bare(text, *span) for span in words])
    read = read_name(bare, lexicon, titled=titled, speaks=speaks, listed=listed)
    if read is None:
        return None
    first_word, count, surname_only = read
    first, last = words[first_word][0], words[first_word + count - 1][1]
    name = text[first:last]
    if name.endswith(".") and not _INITIALS.fullmatch(name.split()[-1]):
        name = name[:-1]
    name = _POSSESSIVE.sub("", name) if name[-2:] in ("'s", "\u2019s") else name
    return NamedPerson(name, first, first + len(name), surname_only)


def person_name(name: str, *, titled: bool = False) -> str | None:
    """`name` as a person's name without the titles and country words before it ("French President Jacques
    Chirac" → "Jacques Chirac"), or None when it is no person's name ("Elizabeth Hospital", "East Timor").
    `titled`: an office introduced it, so a given name we do not know is no reason to doubt it."""
    words = name.split()
    read = read_name(tuple(words), _lexicon(), titled=titled)
    if read is None or read[2]:
        return None
    first_word, count, _ = read
    return " ".join(words[first_word : first_word + count])


@functools.lru_cache(maxsize=65536)
def read_name(
    words: tuple[str, ...], lexicon: _Lexicon, *, titled: bool = False, speaks: bool = False, listed: bool = False
) -> tuple[int, int, bool] | None:
    """Where the person's name stands in a run of capitalised words (bare, without possessives or full stops):
    (index of its first word, its number of words, whether it is a surname alone after a courtesy title).
    `speaks`: a speech verb follows the run ("Saeb Erakat said"), so two or three rare words are a name; `listed`:
    a person's full name stands beside it in a list, so two or three words no more common than a surname are. Cached:
    the same runs come back within a story and across a wire's stories."""
    index, honoured = 0, False
    if lexicon.nouns_capitalised:  # "Brief von Herrn Comey": the nouns before a courtesy title are no name
        index = max((at for at, word in enumerate(words[:-1]) if word in lexicon.honorifics), default=0)
    while index < len(words):
        word, following = words[index], words[index + 1] if index + 1 < len(words) else ""
        if word in lexicon.courtesy or word in lexicon.not_names:
            titled = word in lexicon.courtesy and word not in lexicon.modifiers  # the word right before the name
            honoured = word in lexicon.honorifics
        elif not (lexicon.place(word) and (word not in lexicon.given or following in lexicon.before_names)):
            break
        index += 1
    end = len(words)
    while end > index and words[end - 1] in lexicon.not_names:  # "Karzai Tuesday"
        end -= 1
    name = words[index:end]
    if not name or name[-1] in lexicon.heads or any(word in lexicon.not_names for word in name):
        return None
    if lexicon.language != "en" and name[0].lower() in lexicon.lowercase_titles:
        return None  # "Senhora Ministra da Saúde": an office after a courtesy title, not a name
    if name[-1] in lexicon.courtesy and not _given(name[-1], lexicon) and lexicon.common(name[-1], _OFFICE_ZIPF):
        return None  # "Agriculture Minister"
    if len(name) == 1:
        single = name[0]
        if not titled or len(single) < 2 or lexicon.place(single) or single[:-1] in lexicon.courtesy:  # "Generals"
            return None
        # a known given name or surname after a title is the name ("el presidente Sánchez", "le pape François"),
        # however frequent the word: wordfreq counts names as words
        known = single in lexicon.lone_names
        return (index, 1, True) if honoured or known or not lexicon.common(single, _OFFICE_ZIPF) else None
    if len(name) > 2 and _opener(name[0], lexicon) and _given(name[1], lexicon):
        index, name = index + 1, name[1:]  # "Ora Marco Bellandi", "Hasta Jorge Arrizabalaga": a word opened it
    if not titled and not _given(name[0], lexicon):
        later = next((i for i in range(1, len(name) - 1) if _given(name[i], lexicon)), None)
        if later is not None and (lexicon.nouns_capitalised or lexicon.common(name[0])):
            index, name = index + later, name[later:]  # "Leg-spinner Stuart MacGill": the name starts at Stuart
        elif later is None and not (
            len(name) <= _SPOKEN_WORDS
            and (
                (speaks and not any(map(lexicon.common, name)))
                or (listed and not any(lexicon.common(word, _OFFICE_ZIPF) for word in name))
            )
        ):
            return None
    if name[0] in lexicon.organisation_heads or _holds_place(tuple(name), name[0] in lexicon.given, lexicon.language):
        return None
    return index, len(name), False


@functools.cache
def _common_word(word: str, zipf: float = 2.5, language: str = "en") -> bool:
    """A word of everyday English (or of `language` too) in capitals ("Leg-spinner", "Beatle", "Selon"), not a
    name nobody writes in lowercase."""
    lowered = word.split("-")[0].lower()
    return zipf_frequency(lowered, "en") >= zipf or (language != "en" and zipf_frequency(lowered, language) >= zipf)


def _opener(word: str, lexicon: _Lexicon) -> bool:
    """Whether a word spelt like a given name is rather one of the most frequent words of the story's language
    ("Ora", "Hasta", "Dann"), which opens a sentence before a full name; English keeps its given names ("Will")."""
    return lexicon.language != "en" and zipf_frequency(word.lower(), lexicon.language) >= _OPENER_ZIPF


def _given(word: str, lexicon: _Lexicon) -> bool:
    """Whether a word is a given name or an initial; not an article of the story's language that a given name is
    spelt like ("Le Quai d'Orsay", where "Le" is a Vietnamese given name too; `articles` in names.<lang>.toml)."""
    return (word.split("-")[0] in lexicon.given and word not in lexicon.articles) or _INITIALS.fullmatch(
        word
    ) is not None


def _bare(text: str, start: int, end: int) -> str:
    """A word without its possessive or closing full stop."""
    word = text[start:end]
    if word[-2:] in ("'s", "\u2019s"):
        return word[:-2]
    return word[:-1] if word.endswith(".") and not _INITIALS.fullmatch(word) else word


@functools.cache
def _is_place(form: str, language: str = "en") -> bool:
    return story_gazetteer(language).names_whole(form)


@functools.lru_cache(maxsize=65536)
def _holds_place(name: tuple[str, ...], given_first: bool, language: str = "en") -> bool:
    """Whether a country or city form stands in the name ("East Timor", "Alice Springs", in Spanish "Reino Unido"):
    never a person. A given name that is also a place ("Jordan Bardella") or, after a given name, a surname that is
    also a demonym ("Matt Welsh") or a country's name people bear ("Luís Montenegro", countries.toml
    [person_names]) does not count."""
    places = story_gazetteer(language)
    text = " ".join(name)
    for match in places.matcher.find(text):
        if given_first and " " not in match.surface and (match.start == 0 or match.end == len(text)):
            if match.start == 0 and not _common_word(name[-1], 3.0, language):  # "Jordan Bardella", not "Sydney Swans"
                continue
            surname = getattr(match.value, "kind", "") != "name" or fold(match.surface) in places.person_names
            if match.start > 0 and surname and not _is_place(name[0], language):  # "Matt Welsh", "Luís Montenegro"
                continue
        return True
    return fold(text) in places.cities
