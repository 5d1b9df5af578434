"""Country tags of a story: ISO 3166-1 alpha-2 codes with their evidence and a relevance score.

A country is found by its names and variants, demonyms and adjectives, capitals and seats of government,
government buildings used for the government ("the Kremlin"), cities and regions in it, and the dateline (forms:
`country_forms`). On top of the matcher's longest-match, boundary and case rules:

- a form with several readings (Georgia, Congolese, Dominican, Brussels) is settled by cues in the story;
- a form that is also a person's name (Jordan, Chad, Israel) is not a place when a capitalised word follows it
  (other than a word such as "President": "Jordan Bardella", "Israel Katz") or a capitalised word other than a
  sentence opener stands right before it ("Michael Jordan"); once a story used it as a surname, its lone
  mentions ("Jordan, who won six titles") are that person too, unless a word such as "in" precedes them or
  another form tags the same country;
- matches inside the dateline are left to `resolve_place`, which also reads the dateline's region ("SANTA FE,
  New Mexico") and falls back to the most populous city of that name.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pipeline.config_dir import config_path
from pipeline.record import StoryRecord
from pipeline.tagging.country_forms import Ambiguous, CountryForm, CountryGazetteer, FormValue, languages, load
from pipeline.tagging.evidence import Evidence, Mention, gather, relevance
from pipeline.tagging.matching import Match, fold
from pipeline.tagging.spans import Taken
from pipeline.tagging.storytext import StoryText, story_text

_NEXT_WORD = re.compile(r"[ \t]+([^\W\d_][\w.'\u2019-]*)")
_PREVIOUS_WORD = re.compile(r"([^\W\d_][\w.'\u2019-]*)[ \t]+$")
_POSSESSIVE = re.compile(r"(?:['\u2019]s?)?\s*$")


@dataclass(frozen=True, slots=True)
class CountryTag:
    code: str  # ISO 3166-1 alpha-2
    name: str
    score: float  # relevance to the story, in [0, 1]
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "score": self.score, "evidence": self.evidence.to_dict()}


@functools.cache
def gazetteer(language: str | None = None) -> CountryGazetteer:
    """The compiled country forms, built on first use and kept for the life of the process: English, and with
    `language` that language's forms as well."""
    return load(language=language)


def story_gazetteer(language: str | None) -> CountryGazetteer:
    """The forms to read a story in `language` with: its own where config/gazetteers has them, else English."""
    return gazetteer(language) if language in languages() else gazetteer()  # one cache entry for English


def _code(value: FormValue, folded_text: str) -> str:
    if isinstance(value, Ambiguous):
        return value.resolve(folded_text)
    return value.code if isinstance(value, CountryForm) else ""


def resolve_place(place: str, language: str | None = None, agency: str | None = None) -> str | None:
    """The country of a dateline place ("KYIV" → "UA", "SANTA FE, New Mexico" → "US", in Italian "ROMA" → "IT"),
    or None. A town that towns of several countries are named after is the filing agency's home one when there is
    one there of some size ("TOLEDO (EFE)" → "ES"), else the most populous one's."""
    found = story_gazetteer(language)
    for match in reversed(found.matcher.find(place)):
        code = _code(match.value, fold(place))
        if code:
            return code
    town = fold(place.split(",")[0].strip())
    home = _agency_homes().get(fold(agency or ""))
    sizes = found.namesakes.get(town, {})
    if home in sizes and sizes[home] >= _HOME_SHARE * max(sizes.values()):
        return home  # not "CAMPO GRANDE (Lusa)": Brazil's is 60 times larger
    return found.cities.get(town)


_HOME_SHARE = 0.04  # of the largest namesake's population for the home one to be the dateline's (Mérida, Spain: 0.05)


@functools.cache
def _agency_homes() -> dict[str, str]:
    """Folded agency name → its home country (config/gazetteers/agencies.toml)."""
    homes = tomllib.loads(config_path("gazetteers", "agencies.toml").read_text(encoding="utf-8"))["home"]
    return {fold(agency): code for agency, code in homes.items()}


def country_before(text: str) -> str | None:
    """The country named by the words that end `text` ("... Ukraine's", "the Kenyan"), or None."""
    end = _POSSESSIVE.search(text).start()
    matches = gazetteer().matcher.find(text[:end])
    if matches and matches[-1].end == end:
        return _code(matches[-1].value, fold(text)) or None
    return None


def country_in(phrase: str) -> str | None:
    """The first country named in a short phrase ("Kenya's interior minister", "of Kursk"), or None."""
    folded = fold(phrase)
    return next((code for match in gazetteer().matcher.find(phrase) if (code := _code(match.value, folded))), None)


def _name_use(match: Match[FormValue], story: StoryText, starts: set[int], found: CountryGazetteer) -> str | None:
    """ "first" or "surname" when a form that is also a person's name is used as one here, else None (see the
    module docstring). ALL-CAPS text says nothing either way."""
    if match.surface.isupper():
        return None
    following = _NEXT_WORD.match(story.text, match.end)
    if (
        following
        and following[1][0].isupper()
        and fold(following[1]) not in found.place_words
        and following.start(1) not in starts
    ):
        return "first"
    preceding = _PREVIOUS_WORD.search(story.text, max(0, match.start - 40), match.start)
    if preceding and preceding[1][0].isupper() and fold(preceding[1]) not in found.function_words:
        return "surname"
    return None


def _after_place_word(match: Match[FormValue], story: StoryText, found: CountryGazetteer) -> bool:
    preceding = _PREVIOUS_WORD.search(story.text, max(0, match.start - 40), match.start)
    return bool(preceding and fold(preceding[1]) in found.place_before)


def country_mentions(story: StoryText, found: CountryGazetteer | None = None) -> dict[str, list[Mention]]:
    """Every mention of every country in the story's text (the dateline place aside), by code; `found`, the
    gazetteer of the story's language (English by default)."""
    found = found or gazetteer()
    dateline = story.dateline()
    matches = [
        m
        for m in story.matches(found.matcher)
        if m.value is not None and not (dateline and dateline.start <= m.start < dateline.end)
    ]
    starts = {m.start for m in matches}
    uses = {m.start: _name_use(m, story, starts, found) for m in matches if fold(m.surface) in found.person_names}
    surnames = {fold(m.surface) for m in matches if uses.get(m.start) == "surname"}
    mentions: dict[str, list[Mention]] = defaultdict(list)
    held: dict[str, list[Mention]] = defaultdict(list)  # lone mentions of forms the story used as surnames
    for m in matches:
        code = _code(m.value, story.folded)
        if not code or uses.get(m.start):
            continue
        mention = Mention(m.start, m.surface, m.value.kind)
        if fold(m.surface) in surnames and not _after_place_word(m, story, found):
            held[code].append(mention)
        else:
            mentions[code].append(mention)
    for code, lone in held.items():
        if code in mentions:
            mentions[code].extend(lone)
    for start, surface, code in _towns(story, matches, found):
        mentions[code].append(Mention(start, surface, "place"))
    return mentions


def _towns(story: StoryText, matches: list[Match[FormValue]], found: CountryGazetteer) -> list[tuple[int, str, str]]:
    """Towns after "in", "at" ... ("in Alice Springs"), outside the spans the forms already matched."""
    text = story.text
    taken: Taken | None = None  # built for the first town found: most stories have none
    towns = []
    for start, end in story.runs:
        if not found.after_town_cue(text, start):
            continue
        words = [word.rstrip(".,;:") for word in text[start:end].split()[:2]]
        for size in (2, 1):  # "Alice Springs" before "Alice"
            name = " ".join(words[:size])
            if len(words) >= size and (code := found.towns.get(name)):
                taken = taken or Taken(len(text), ((m.start, m.end) for m in matches))
                if taken.free(start, start + len(name)):
                    towns.append((start, name, code))
                break
    return towns


def tag_countries(record: StoryRecord, story: StoryText | None = None) -> list[CountryTag]:
    """The countries the story itself refers to, most relevant first; `story`, the record's `story_text` when the
    caller has it already."""
    story = story or story_text(record)
    mentions = country_mentions(story, story_gazetteer(record.language))
    dateline = story.dateline()
    if dateline is not None and record.dateline.place:
        code = record.dateline.country or resolve_place(record.dateline.place, record.language, record.source.agency)
        if code:
            mentions[code].append(Mention(dateline.start, record.dateline.place, "dateline"))
    names = gazetteer().names
    tags = []
    for code, found in mentions.items():
        evidence = gather(found, story)
        tags.append(CountryTag(code, names.get(code, code), relevance(evidence, story), evidence))
    return sorted(tags, key=lambda tag: (-tag.score, tag.evidence.first))
