"""Organisations named in running text whether or not a gazetteer lists them: "New South Wales Rural Fire Service",
"Bureau of Meteorology", "ASIO", "the Senate".

Five shapes, read from config/gazetteers/names.toml: a run of capitalised words (with "of", "for", "and", "the"
inside) that holds an organisation's head word ("Service", "Party", "Council"), has one right before "of" or
"for" ("Bureau of Meteorology", "Australian Confederation of Motor Sports") or opens with a broadcaster's word
("Radio Australia"); an acronym of two to six capitals that is not a unit, time, title or country ("ASIO",
"FBI"); a one-word institution ("Senate", "Labor"); a name no word of which says what it is, next to a word
that does ("airline X", "the company, X", "X shares", "X's chief executive", "the X news agency"); a rare word,
nobody's name and no place, that owns something ("Qantas' dominance", "Traveland's franchise network"). Linear
in the text, like `people`: each run looks at most at the word before it and the two after it.
"""

from __future__ import annotations

import bisect
import functools
import re
import tomllib
from dataclasses import dataclass

import ahocorasick_rs
from wordfreq import zipf_frequency

from pipeline.config_dir import config_path
from pipeline.tagging.countries import gazetteer as country_gazetteer
from pipeline.tagging.matching import alternation, fold
from pipeline.tagging.people import known_names, person_name
from pipeline.tagging.runs import JOINERS, capitalised_runs, opens_sentence, regnal_number
from pipeline.tagging.spans import Taken

_WORD = re.compile(r"\S+")
_ACRONYM = re.compile(r"[A-Z][A-Z&]{1,5}")
_DESCRIBING = re.compile(r"-[a-z]+$")  # "Sydney-based", "US-led": what a name is like, not part of it
_APOSTROPHES = ("'", "\u2019")
_PARTICLES = JOINERS - {"of", "for", "and", "on", "the"}  # "bin", "van", "al": inside people's names
_WORDS_AROUND = re.compile(r"[^\W\d_]+")
_GOVERNMENTS = frozenset({"Government", "Administration", "Opposition"})
_OPENING_WORDS = frozenset({"The", "A", "An", "In", "At", "On", "For", "And", "But", "Of", "To", "By", "From", "While"})
_EVERYDAY_ZIPF = 4.0  # "Time", "Mining", "Its": a word this common is no company's name alone ("Mitsubishi" is 3.3)
_CUE_SPAN = 6  # characters of a cue next to a run looked up in a set before anything else: " firm ", " shares"
_LOOK_BACK = 24  # characters either side of a run to find a cue in: longer than any cue
_ADJECTIVE = re.compile(r"(?:ian|ean|ese|ish)$")  # "Tasmanian", "Western Australian", "Maltese", "Flemish"
_ORDINAL_BEFORE = re.compile(r"(?<![\w.])\d{1,3}(?:st|nd|rd|th)[ \t]+$")  # "5th Special Forces Group"
_ROLE_SPAN = 48  # characters either side of a name that hold the role of an affiliation: "'s finance officer "
_AFTER_NAME = frozenset(" \t'\u2019")  # what may follow a name a role comes after
_OF_FOR = frozenset({" of ", "for ", "the "})  # the four characters before a name a role and "of" come before
_SENTENCE_WORD_ZIPF = 5.5  # "with" 7.2, "against" 5.6 open sentences; "cricket" 4.4, "tourism" 4.3 name bodies
_QUALIFYING = re.compile(r"(?:al|ern|ic|ist|ian|ean|ese|ish|ive|ous|ary)$")  # "Rural", "Coastal": adjectives
_PLACE_BEFORE = re.compile(r"\b(?:in|across|throughout|around|to|from|into)[ \t]+$")  # "in Outback Australia"
_OWNED = re.compile(r"[ \t]+[a-z]{3,}")  # what an owner's possessive stands before: " dominance", " proposed"
# A word that owns something must be rarer than this to be taken for a company's name: "Qantas" 2.9, "Ansett" 1.8;
# "Virgin" 4.1, "Labor" 4.0, "Time" 6.2 are words first
_OWNER_ZIPF = 3.0


@dataclass(frozen=True, slots=True)
class NamedOrganisation:
    name: str
    start: int
    end: int
    owner: bool = False  # found only as a rare word that owns something ("Qantas' dominance"): maybe a surname


@dataclass(frozen=True)
class _Lexicon:
    heads: frozenset[str]
    openers: frozenset[str]
    institutions: frozenset[str]
    not_acronyms: frozenset[str]
    titles: frozenset[str]
    generic: frozenset[str]
    heads_and_openers: frozenset[str]  # and prefixes, each also with a possessive, comma or full stop after it
    prefixes: frozenset[str]
    places: frozenset[str]
    possessives: frozenset[str]
    cues_before: frozenset[str]  # single words; "shares in" is kept as "in" → "shares"
    cues_before_in: frozenset[str]
    cues_after: frozenset[str]
    outlets: frozenset[str]
    capital_cues: frozenset[str]  # first words of the cues after a name, capitalised: "Brisa Chief Executive"
    cue_openings: frozenset[str]  # " shares", " board,": the `_CUE_SPAN` characters after a run if a cue follows
    cue_endings: frozenset[str]  # "mpany ", "pany, ": the `_CUE_SPAN` characters before a run after a cue
    not_cued: frozenset[str]  # words that say a cued name is no company's: heads, titles, places, sentence words
    roles: ahocorasick_rs.AhoCorasick  # the roles of both kinds, as the text holds them: " officer", " director"
    units: frozenset[str]  # head words of military units, which an ordinal opens: "5th Special Forces Group"
    peoples: frozenset[str]  # "Aboriginal", "Muslim": alone, no cued name ("Muslim Hands" may be)
    qualifiers: frozenset[str]  # words that make a country's name a place or a time ("Outback", "Communist")
    role_after: re.Pattern[str]  # after a name: a role and a person's name ("'s finance officer Peter Murray")
    role_before: re.Pattern[str]  # before a name: a role and "of" or "for" ("national director of ")


@functools.cache
def _lexicon() -> _Lexicon:
    names = tomllib.loads(config_path("gazetteers", "names.toml").read_text(encoding="utf-8"))
    sentence = tomllib.loads(config_path("gazetteers", "titles.toml").read_text(encoding="utf-8"))["names"]
    before = [cue.split() for cue in names["organisation_cues_before"]]
    after = frozenset(names["organisation_cues_after"])
    not_cued = (
        frozenset(names["organisation_heads"])
        | frozenset(names["organisation_openers"])
        | frozenset(names["generic_organisation_words"])
        | frozenset(names["courtesy"])
        | frozenset(names["modifiers"])
        | frozenset(names["place_heads"])
        | frozenset(sentence["not_names"])
        | _OPENING_WORDS
    )
    return _Lexicon(
        heads=frozenset(names["organisation_heads"]),
        openers=frozenset(names["organisation_openers"]),
        institutions=frozenset(names["institutions"]),
        not_acronyms=frozenset(names["not_acronyms"]),
        titles=frozenset(names["courtesy"]) | frozenset(names["modifiers"]) - frozenset(names["organisation_heads"]),
        generic=frozenset(names["generic_organisation_words"]),
        heads_and_openers=_with_endings(
            frozenset(names["organisation_heads"])
            | frozenset(names["organisation_openers"])
            | frozenset(names["organisation_prefixes"])
        ),
        prefixes=frozenset(names["organisation_prefixes"]),
        places=frozenset(names["place_heads"]),
        possessives=frozenset(names["organisation_possessives"]),
        cues_before=frozenset(cue[0] for cue in before if len(cue) == 1),
        cues_before_in=frozenset(cue[0] for cue in before if cue[1:] == ["in"]),
        cues_after=after,
        outlets=frozenset(names["outlet_nouns"]),
        capital_cues=frozenset(cue.split()[0].capitalize() for cue in after),
        cue_openings=frozenset(f" {cue}{tail}"[: _CUE_SPAN + 1] for cue in after for tail in " ,.'\u2019"),
        cue_endings=frozenset(f" {' '.join(cue)}{tail}"[-_CUE_SPAN:] for cue in before for tail in (" ", ", ")),
        not_cued=not_cued,
        peoples=frozenset(names["peoples_and_faiths"]),
        qualifiers=frozenset(names["country_qualifiers"]) | frozenset(names["peoples_and_faiths"]),
        units=frozenset(names["unit_heads"]),
        roles=ahocorasick_rs.AhoCorasick(
            sorted({f" {role}" for role in (*names["affiliation_roles_after"], *names["affiliation_roles_before"])}),
            implementation=ahocorasick_rs.Implementation.DFA,
        ),
        role_after=re.compile(
            r"(?:['\u2019]s?)?(?:[ \t]+[a-z][a-z-]*){0,2}[ \t]+"
            + alternation(names["affiliation_roles_after"])
            + r",?[ \t]+(?P<person>[A-Z][\w'\u2019-]*\.?(?:[ \t]+[A-Z][\w'\u2019-]*\.?){1,3})"
        ),
        role_before=re.compile(
            r"\b" + alternation(names["affiliation_roles_before"]) + r"[ \t]+(?:of|for)[ \t]+(?:the[ \t]+)?$"
        ),
    )


def _with_endings(words: frozenset[str]) -> frozenset[str]:
    """The words as they may stand in a run: "Party", "Party's", "Party.", "Party,"."""
    return frozenset(word + ending for word in words for ending in ("", "'s", "\u2019s", "'", "\u2019", ".", ","))


def find_organisations(text: str, runs: list[tuple[int, int]] | None = None) -> list[NamedOrganisation]:
    """Every organisation's name in `text`, in order, each mention once, none inside another; `runs`, the text's
    `capitalised_runs` when the caller has them already. An acronym or a one-word institution that names an
    organisation found in full ("ISAF" for "International Security Assistance Force", "Labor" for "Labor Party"),
    or a name that ends one found ("Federal Reserve"), is that organisation again: its `name` is the full name."""
    lexicon = _lexicon()
    heads, institutions, openings, endings = (
        lexicon.heads_and_openers,
        lexicon.institutions,
        lexicon.cue_openings,
        lexicon.cue_endings,
    )
    found: list[NamedOrganisation] = []
    runs = capitalised_runs(text) if runs is None else runs
    near = _next_to_roles(text, runs, lexicon)
    singles: list[tuple[int, str]] = []  # words of runs that may be an acronym or an institution on their own
    for start, end in runs:
        run = text[start:end]
        # Most runs are one word: an acronym, an institution or a name a cue next to it gives, maybe. A few
        # characters either side looked up in a set rule out a cue at the cost of two slices.
        if " " not in run and "\t" not in run:
            if text[end : end + _CUE_SPAN + 1] in openings or text[start - _CUE_SPAN : start] in endings:
                found += _cued(text, start, end, [run], lexicon)
            elif start in near:
                found += _affiliated(text, start, end, [run], lexicon)
            elif _possessive(run) and _OWNED.match(text, end) and _owner(_bare(run), lexicon):
                found.append(NamedOrganisation(_bare(run), start, start + len(_bare(run)), owner=True))
            if run[:2].isupper() or run in institutions:
                singles.append((start, _bare(run)))
            continue
        words = run.split()
        if not heads.isdisjoint(words) and (named := _in_run(text, start, end, lexicon)):
            found += named
        elif (body := _national_body(text, start, words, lexicon)) is not None:
            found.append(body)  # before the cues: "Cricket Australia's chief executive"
        elif (
            text[end : end + _CUE_SPAN + 1] in openings
            or text[start - _CUE_SPAN : start] in endings
            or not lexicon.capital_cues.isdisjoint(words)
            or "'s " in run
            or "\u2019s " in run
        ):
            found += _cued(text, start, end, words, lexicon)
        elif start in near:
            found += _affiliated(text, start, end, words, lexicon)
        offset = start
        for word in words:
            if word[:2].isupper() or word in institutions:
                offset = text.index(word, offset)
                singles.append((offset, _bare(word)))
                offset += len(word)
    taken = Taken(len(text), ((o.start, o.end) for o in found))
    for start, word in singles:
        acronym = (
            _ACRONYM.fullmatch(word)
            and word not in lexicon.not_acronyms
            and not regnal_number(word)
            and not _is_country(word)
        )
        named = (acronym and not _in_capitals(text, start)) or word in lexicon.institutions
        if named and taken.free(start, start + 1):
            found.append(NamedOrganisation(word, start, start + len(word)))
    full = _full_names(found)
    return sorted(
        (NamedOrganisation(full[o.name], o.start, o.end, o.owner) if o.name in full else o for o in found),
        key=lambda o: o.start,
    )


def initials(name: str) -> str:
    """The acronym a name makes: the first letters of its capitalised words ("Centre for Countering Disinformation"
    → "CCD")."""
    return "".join(word[0] for word in name.split() if word[0].isupper())


def _full_names(found: list[NamedOrganisation]) -> dict[str, str]:
    """The short forms of the names of more than one word found, each with the first such name: its acronym and
    first word ("ISAF", "Labor"), and the last words of it ("Federal Reserve" of "United States Federal
    Reserve")."""
    forms: dict[str, str] = {}
    for organisation in found:
        words = organisation.name.split()
        if len(words) > 1:
            forms.setdefault(initials(organisation.name), organisation.name)
            forms.setdefault(words[0], organisation.name)
            for first in range(1, len(words) - 1):
                forms.setdefault(" ".join(words[first:]), organisation.name)
    return forms


def _in_run(text: str, start: int, end: int, lexicon: _Lexicon) -> list[NamedOrganisation]:
    """The organisation a run of capitalised words names, if any: cut at possessives ("Ukraine's National Security
    Council": the owner is not part of the name) and full stops, without the titles and sentence words before it."""
    words = [word.span() for word in _WORD.finditer(text, start, end)]
    found = []
    for piece in _pieces(text, words, lexicon):
        bare = [_bare(text[s:e]) for s, e in piece]
        opening = 0
        while opening < len(bare) - 1 and bare[opening] in _OPENING_WORDS:
            opening += 1
        if opening < len(bare) - 2 and bare[opening] in lexicon.titles and bare[opening + 1] == "of":
            opening += 2 + (bare[opening + 2] == "the")  # "Head of the Australian Food and Grocery Council"
        piece, bare = _without_owner(piece[opening:], bare[opening:], lexicon)
        if not piece or not bare[0][0].isupper() or not bare[-1][0].isupper():
            continue
        piece, bare = _without_person(piece, bare, lexicon)
        if not piece:
            continue
        name = " ".join(bare)
        headed = any(word in lexicon.heads for word in bare[1:])
        joined = next((index for index, word in enumerate(bare) if word in ("of", "for")), 0)
        opened = len(bare) >= 3 and joined > 0 and bare[joined - 1] in lexicon.openers
        if bare[0] in lexicon.prefixes and "and" in bare:  # "Radio National and Triple J" are two
            piece, bare = piece[: bare.index("and")], bare[: bare.index("and")]
            name = " ".join(bare)
        prefixed = len(bare) >= 2 and bare[0] in lexicon.prefixes
        if bare[-1] in lexicon.places:  # "World Trade Centre", "Great Barrier Reef Marine Park"
            continue
        if (headed or opened or prefixed) and not _generic(bare, lexicon) and not _names_a_place(name, lexicon):
            ordinal = bare[-1] in lexicon.units and _ORDINAL_BEFORE.search(text, max(0, piece[0][0] - 8), piece[0][0])
            found.append(_named(text, ordinal.start() if ordinal else piece[0][0], piece[-1][1]))
    return found


def _without_owner(
    piece: list[tuple[int, int]], bare: list[str], lexicon: _Lexicon
) -> tuple[list[tuple[int, int]], list[str]]:
    """The piece without a person or place before "of (the)" when only the words after it name an organisation:
    "Chuck Hagel of the Foreign Relations Committee", "London of the Commonwealth Ministerial Action Group"."""
    joined = next((index for index, word in enumerate(bare) if word in ("of", "for")), 0)
    if not joined or any(word in lexicon.heads_and_openers for word in bare[:joined]):
        return piece, bare
    after = joined + 1 + (bare[joined + 1 : joined + 2] == ["the"])
    if any(word in lexicon.heads for word in bare[after + 1 :]):
        return piece[after:], bare[after:]
    return piece, bare


def _without_person(
    piece: list[tuple[int, int]], bare: list[str], lexicon: _Lexicon
) -> tuple[list[tuple[int, int]], list[str]]:
    """The piece up to its last head word when the words after it are a person, titled or not: "Sydney Weather
    Bureau Ian Robertson", "Rural Fire Service Commissioner Phil Koperberg"; nothing when a minister follows
    the head word, a portfolio's ("Emergency Services Minister Bob Debus")."""
    last = max((index for index, word in enumerate(bare) if word in lexicon.heads), default=len(bare) - 1)
    if 0 < last < len(bare) - 1 and bare[last + 1] == "Minister":
        return [], []
    if 0 < last < len(bare) - 1 and person_name(" ".join(bare[last + 1 :])):
        return piece[: last + 1], bare[: last + 1]
    return piece, bare


def _cued(text: str, start: int, end: int, words: list[str], lexicon: _Lexicon) -> list[NamedOrganisation]:
    """The run, or the part of it next to the cue, as a company or an outlet a word next to it names as one
    ("travel company Skyvane", "Vantrel shares", "Brisa Chief Executive Tom Hale"), if no word of the name says
    otherwise."""
    if len(words) > 2 and any(word[-2:] in ("'s", "\u2019s") for word in words[:-2]):
        owner = next(index for index, word in enumerate(words) if word[-2:] in ("'s", "\u2019s"))
        if owner < len(words) - 2 and person_name(" ".join(words[owner + 1 :])):  # "Corvex's Maria Lopez"
            return _cued_name(text, start, words[: owner + 1], lexicon, last=True)
    if len(words) > 1 and not lexicon.capital_cues.isdisjoint(words):  # "Brisa Chief Executive Tom Hale"
        for index in range(1, len(words)):
            if words[index] in lexicon.capital_cues and _cue_after(" " + " ".join(words[index : index + 2]), lexicon):
                return _cued_name(text, start, words[:index], lexicon, last=True)
    following = text[end : end + _LOOK_BACK]
    if following[: _CUE_SPAN + 1] in lexicon.cue_openings and (after := _cue_after(following, lexicon)):
        outlet = after in lexicon.outlets and len(words) == 1 and _everyday(_bare(words[0]))
        return _cued_name(text, start, words, lexicon, last=True, outlet=" " + after if outlet else "")
    if text[start - _CUE_SPAN : start] in lexicon.cue_endings:
        before = text[max(0, start - _LOOK_BACK) : start].rstrip(", ").rsplit(None, 2)[-2:]
        if before and (
            before[-1] in lexicon.cues_before or (before[-1] == "in" and before[0] in lexicon.cues_before_in)
        ):
            return _cued_name(text, start, words, lexicon, last=False)
    return []


def _next_to_roles(text: str, runs: list[tuple[int, int]], lexicon: _Lexicon) -> set[int]:
    """The starts of the runs right before and right after a role word (one pass of an automaton for the roles, a
    bisection of the runs for each), the only runs an affiliation may name."""
    starts = set()
    for _, at, _ in lexicon.roles.find_matches_as_indexes(text):
        after = bisect.bisect_left(runs, (at,))
        if after and runs[after - 1][1] >= at - _ROLE_SPAN:
            starts.add(runs[after - 1][0])
        if after < len(runs) and runs[after][0] <= at + _ROLE_SPAN:
            starts.add(runs[after][0])
    return starts


def _affiliated(text: str, start: int, end: int, words: list[str], lexicon: _Lexicon) -> list[NamedOrganisation]:
    """The run as the organisation a person works for, by the role between them ("Centrelink finance information
    officer Peter Murray") or before it ("national director of Child Wise", "a spokesman for Ansett")."""
    if _ADJECTIVE.search(words[-1]):
        return []  # "Tasmanian director Tom Hale": where the person is from, not whom they work for
    role = lexicon.role_after.match(text, end) if text[end : end + 1] in _AFTER_NAME else None
    if role is not None and person_name(role["person"].rstrip(".")) is not None:
        return _cued_name(text, start, words, lexicon, last=True)
    if text[start - 4 : start] in _OF_FOR and lexicon.role_before.search(text, max(0, start - 2 * _LOOK_BACK), start):
        return _cued_name(text, start, words, lexicon, last=False)
    return []


def _national_body(text: str, start: int, words: list[str], lexicon: _Lexicon) -> NamedOrganisation | None:
    """A country's national body named by what it does and the country's name ("Nutrition Australia", "Cricket
    Australia", "Team New Zealand"): one or two capitalised nouns before a country's name that ends the run; not a
    place or a time ("Outback Australia", "Communist China", "Western Australia"), nor after "in" or "to"."""
    words = words[: next((at + 1 for at, word in enumerate(words) if word.endswith(".")), len(words))]
    if not 2 <= len(words) <= 4:
        return None
    last = _bare(words[-1])
    if not (_is_country(last) or (len(words) > 2 and _is_country(f"{words[-2]} {last}"))):
        return None  # most runs: no country's name at the end, looked up in a cache
    name = " ".join([*words[:-1], last])  # "Team New Zealand." ends a sentence
    ending = next(
        (
            match
            for match in country_gazetteer().matcher.find(name)
            if match.end == len(name) and match.start > 0 and getattr(match.value, "kind", "") == "name"
        ),
        None,
    )
    if ending is None:
        return None
    before = name[: ending.start].split()
    if not 1 <= len(before) <= 2 or _PLACE_BEFORE.search(text, max(0, start - 12), start):
        return None
    if opens_sentence(text, start, ".!?:\n") and zipf_frequency(before[0].lower(), "en") >= _SENTENCE_WORD_ZIPF:
        return None  # "With Argentina", "Against Australia": a sentence's first word
    for word in before:
        if (
            not word[:1].isupper()
            or not word[1:].islower()
            or not word.replace("-", "").isalpha()  # "Britain. Australia": two sentences
            or word in lexicon.qualifiers
            or (word in lexicon.not_cued and word not in lexicon.heads)  # "Team New Zealand" is a team
            or word in known_names()  # "John Howard Australia": a person before a country
            or word in _OPENING_WORDS
            or _QUALIFYING.search(word)
            or _is_country(word)
        ):
            return None
    if _names_a_place(name, lexicon):
        return None
    return NamedOrganisation(name, start, start + len(name))


def _owner(word: str, lexicon: _Lexicon) -> bool:
    """Whether a word with a possessive ending, before a lowercase word, is a company's or a body's name: a rare
    word, not a given name or surname we know, nor a country, city, people or a word that says what a name is. A
    surname the story gives a person is ruled out by `tag_actors`, which knows the story's people."""
    return (
        len(word) >= 3
        and word[1:].islower()
        and word not in known_names()
        and word not in lexicon.not_cued
        and word not in lexicon.peoples
        and not _is_country(word)
        and fold(word) not in country_gazetteer().cities
        and zipf_frequency(word.lower(), "en") < _OWNER_ZIPF
    )


def _cue_after(following: str, lexicon: _Lexicon) -> str | None:
    """The cue the text right after a name opens with (after a possessive), in lowercase, if any."""
    if following[:3] in ("'s ", "\u2019s "):
        following = following[2:]
    elif following[:2] in ("' ", "\u2019 "):
        following = following[1:]
    if following[:1] != " ":
        return None
    cue = [_bare(word).lower() for word in following.split(None, 2)[:2]]
    one = cue[0] if cue else ""
    two = f"{one} {cue[1]}" if len(cue) == 2 and following.split(None, 1)[0].lower() == one else ""
    return two if two in lexicon.cues_after else one if one in lexicon.cues_after else None


def _cued_name(
    text: str, start: int, words: list[str], lexicon: _Lexicon, *, last: bool, outlet: str = ""
) -> list[NamedOrganisation]:
    """The cued name in a run's words: the piece next to the cue (the `last` one, before a cue after the run),
    cut at possessives and full stops, sentence words before it dropped. None if a word of it is a head word,
    title or place word, if it is a country's or city's name, or if it is one everyday word or an acronym."""
    pieces: list[list[tuple[int, str]]] = [[]]
    offset = start
    for word in words:
        offset = text.index(word, offset)
        pieces[-1].append((offset, _bare(word)))
        offset += len(word)
        if _bare(word) != word:
            pieces.append([])
    piece = next((piece for piece in reversed(pieces) if piece), []) if last else pieces[0]
    while piece and (piece[0][1] in _OPENING_WORDS or _DESCRIBING.search(piece[0][1])):
        piece = piece[1:]  # "The", "Pakistan-based"
    if any(word == "on" for _, word in piece):  # "firm Lund and Berg on Friday"
        piece = piece[: [word for _, word in piece].index("on")]
    while piece and piece[-1][1] in JOINERS:
        piece = piece[:-1]
    kept = [word for _, word in piece]
    if not kept or any(word in lexicon.not_cued for word in kept) or not kept[0][0].isupper():
        return []
    if len(kept) == 1 and kept[0] in lexicon.peoples:
        return []
    name = " ".join(kept)
    if "and" not in kept and person_name(name):
        return []  # "company director John Smith", "John Howard's Peter Reith"
    if _is_country(name) or (len(kept) == 1 and not outlet and (_everyday(name) or name.isupper())):
        return []  # "Its shares", "Mining shares"; acronyms are read as acronyms
    at = piece[0][0]
    if text[at : at + len(name)] != name:  # words joined by more than one space
        return []
    before = text[max(0, at - 5) : at].split()
    if before and before[-1] in _PARTICLES:
        return []  # "bin Laden's Al Qaeda": the end of a person's name
    return [NamedOrganisation(name + outlet, at, at + len(name) + len(outlet))]


def _pieces(text: str, words: list[tuple[int, int]], lexicon: _Lexicon) -> list[list[tuple[int, int]]]:
    """Words cut after a possessive (not one inside a name: "People's Alliance") or a full stop, and before "and
    the" or "and" and a broadcaster's word ("Westpac and the National Australia Bank", "Radio Meridian and
    Channel Eleven" are two)."""
    possessives, prefixes = lexicon.possessives, lexicon.prefixes
    pieces: list[list[tuple[int, int]]] = [[]]
    for index, (start, end) in enumerate(words):
        word = text[start:end]
        following = text[words[index + 1][0] : words[index + 1][1]] if index + 1 < len(words) else ""
        previous = text[words[index - 1][0] : words[index - 1][1]] if index else ""
        if word == "and" and (following == "the" or following in prefixes):
            pieces.append([])
            continue
        if word == "the" and previous not in ("of", "for", "on"):  # "Named the International ...", "Seven the"
            pieces.append([])
            continue
        pieces[-1].append((start, end))
        owner = _possessive(word) and word not in possessives
        if owner or (word.endswith(".") and not re.fullmatch(r"(?:[A-Z]\.)+", word)):
            pieces.append([])
    return [[(s, e) for s, e in piece] for piece in pieces if piece]


def _names_a_place(name: str, lexicon: _Lexicon) -> bool:
    """Whether a place's name holds the head word ("West Bank", "West Bank and Gaza Strip"), or the whole name is a
    country's; "Palestinian Authority", a demonym and a head word, is a government that a country's name stands
    for, and an organisation."""
    for match in country_gazetteer().matcher.find(name):
        words = match.surface.split()
        if words[-1] in lexicon.heads and len(words) > 1 and _is_country(" ".join(words[:-1])):
            continue
        if any(word in lexicon.heads for word in words) or match.surface == name:
            return True
    return False


def _generic(words: list[str], lexicon: _Lexicon) -> bool:
    """A government named only by whose it is ("Federal Government", "Israeli Government"); "Australian Army" or
    "Australian Federal Police" are names."""
    qualifiers = words[:-1]
    return words[-1] in _GOVERNMENTS and all(word in lexicon.generic or _is_country(word) for word in qualifiers)


def _named(text: str, start: int, end: int) -> NamedOrganisation:
    name = text[start:end]
    name = name[:-owner] if (owner := _possessive(name)) else name.rstrip(".")
    return NamedOrganisation(name, start, start + len(name))


@functools.cache
def _everyday(word: str) -> bool:
    return zipf_frequency(word.lower(), "en") >= _EVERYDAY_ZIPF


def _bare(word: str) -> str:
    """The word without its possessive ending or a comma or full stop after it."""
    last = word[-1]
    if last == "s" or last in _APOSTROPHES:
        return word[:-owner] if (owner := _possessive(word)) else word
    return word.rstrip(".,") if last in ".," else word


def _possessive(word: str) -> int:
    """The length of the possessive ending of a word: 2 in "Labor's", 1 in "Refugees'", else 0."""
    if word[-2:-1] in _APOSTROPHES and word[-1:] == "s":
        return 2
    return 1 if word[-1:] in _APOSTROPHES and word[-2:-1] == "s" else 0


def _in_capitals(text: str, at: int) -> bool:
    """Whether the acronym stands among words in capitals (a headline or dateline in capitals), not as a name."""
    around = _WORDS_AROUND.findall(text[max(0, at - 24) : at + 30])
    capitals = [word for word in around if len(word) > 1 and word.isupper()]
    return len(around) >= 3 and len(capitals) > 0.8 * len(around)


@functools.cache
def _is_country(word: str) -> bool:
    return country_gazetteer().names_whole(word)
