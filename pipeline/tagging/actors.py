"""Actor tags of a story: people and organisations with a canonical id, their country, role and evidence.

Three sources, in this order of trust:

1. the gazetteer (config/gazetteers/actors.toml): a listed actor's name or alias anywhere in the story text;
2. titles: a person not listed but introduced by an office ("Kenyan Interior Minister Kipchumba Murkomen"),
   with the role and country the title gives, and a ministry named with its country ("Russia's Defence
   Ministry"; unqualified, "the Interior Ministry", it is the dateline country's). Their id is
   `unlisted:<slug of the name>` or `unlisted:<cc>-ministry-<portfolio>`: stable across stories, and marked
   as not from the gazetteer. A title whose name is a listed actor's adds nothing: the listed actor wins;
3. short forms (surnames, "Kim", "Bruce"): they refer back to the actor introduced most recently before them
   with that short form (or, in a headline that comes first, the first introduced after), and never introduce
   anyone. So "Bruce told reporters" is Tammy Bruce once she was named, and two people called Johnson or Kim
   stay two actors.

Reader comments and bylines are not read (see storytext); the agency credited for the copy is not an actor of
its own story.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipeline.record import StoryRecord
from pipeline.tagging import actor_gazetteer
from pipeline.tagging.actor_gazetteer import ROLES, Actor, ActorGazetteer, Named, Short, surname
from pipeline.tagging.countries import country_in, resolve_place
from pipeline.tagging.countries import gazetteer as country_gazetteer
from pipeline.tagging.country_forms import CountryForm
from pipeline.tagging.evidence import Evidence, Mention, gather, relevance
from pipeline.tagging.matching import Joint, Match, ascii_variant, fold, leftmost_longest
from pipeline.tagging.organisations import find_organisations, initials
from pipeline.tagging.people import NamedPerson, find_people, names_a_thing, person_name
from pipeline.tagging.spans import Taken
from pipeline.tagging.storytext import StoryText, story_text
from pipeline.tagging.titles import Titles

UNLISTED = "unlisted:"
_HEADS = ("head_of_state", "head_of_government")
_NOT_ID = re.compile(r"[^a-z0-9]+")
_NOT_WORD = re.compile(r"[\W_]+")
# Up to three capitalised words and a possessive right before a name: "Ukraine's ", "South Korea's "
_OWNER = re.compile(r"((?:[A-Z][\w.-]*[ \t]+){0,2}[A-Z][\w.-]*)['\u2019]s?[ \t]+$")


@dataclass(frozen=True, slots=True)
class ActorTag:
    id: str  # gazetteer id, or "unlisted:..." for an actor found by its title
    name: str
    kind: str  # "person" or "organisation"
    country: str | None  # ISO 3166-1 alpha-2 of the state the actor acts for
    role: str
    score: float  # relevance to the story, in [0, 1]
    aliases_seen: tuple[str, ...]
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "country": self.country,
            "role": self.role,
            "score": self.score,
            "aliases_seen": list(self.aliases_seen),
            "evidence": self.evidence.to_dict(),
        }


@functools.cache
def gazetteer() -> ActorGazetteer:
    """The compiled actor gazetteer, built on first use and kept for the life of the process. Its matcher, the
    titles' and the countries' read each story in one pass (`matching.Joint`)."""
    loaded = actor_gazetteer.load()
    Joint(country_gazetteer().matcher, loaded.matcher, titles().matcher)
    return loaded


@functools.cache
def titles() -> Titles:
    return Titles()


@functools.lru_cache(maxsize=65536)
def slug(name: str) -> str:
    """The id part of a name: ASCII lowercase words joined by hyphens ("Zelenskyy's aide" → "zelenskyy-s-aide"); a
    name in another script keeps its letters ("Дональд Трамп" → "дональд-трамп"), so that it has an id at all."""
    if any(char.isalpha() and not unicodedata.name(char, "").startswith("LATIN") for char in name):
        return _NOT_WORD.sub("-", name.lower()).strip("-")
    return _NOT_ID.sub("-", ascii_variant(name).lower()).strip("-")


class _Found:
    """The actors of one story as they are found: who they are, where they are mentioned, where introduced."""

    def __init__(self) -> None:
        self.actors: dict[str, Actor] = {}
        self.mentions: dict[str, list[Mention]] = defaultdict(list)
        self.introduced: dict[str, list[int]] = defaultdict(list)

    def add(self, actor: Actor, mention: Mention, *, introduces: bool = True) -> None:
        self.actors.setdefault(actor.id, actor)
        self.mentions[actor.id].append(mention)
        if introduces:
            self.introduced[actor.id].append(mention.start)

    def referent(self, candidates: list[Actor], at: int) -> Actor | None:
        """The candidate introduced most recently before `at`, else the first introduced after it."""
        seen = [(start, actor) for actor in candidates for start in self.introduced.get(actor.id, ())]
        before = [pair for pair in seen if pair[0] < at]
        if before:
            return max(before, key=lambda pair: pair[0])[1]
        return min(seen, key=lambda pair: pair[0])[1] if seen else None


def tag_actors(record: StoryRecord, story: StoryText | None = None) -> list[ActorTag]:
    """The people and organisations the story itself names, most relevant first; `story`, the record's
    `story_text` when the caller has it already."""
    story = story or story_text(record)
    text = story.text
    found = _Found()
    matches = story.matches(gazetteer().matcher)
    everyone = find_people(text, story.runs, record.language)
    ends = {person.end: person for person in everyone if " " in person.name}
    surnames = {person.name.split()[-1]: person for person in reversed(ends.values())}  # the first of a name
    named = [
        m
        for m in matches
        if isinstance(m.value, Named)
        and not _another_bearer(m, ends.get(m.end) or surnames.get(m.surface))
        and not (m.value.actor.kind == "person" and names_a_thing(text, m.end))
    ]
    taken = Taken(len(text), ((m.start, m.end) for m in named))
    if (dateline := story.dateline()) is not None:  # "ROMA (ANSA) -": a place, not an acronym
        taken.add(dateline.start, dateline.end)
    free = taken.free

    for m in named:
        found.add(m.value.actor, Mention(m.start, m.surface, m.value.kind))
    shorts = {(m.start, m.end): m.value.actors for m in matches if isinstance(m.value, Short)}
    people, ministries = titles().find(story)
    # A listed actor wins over a title: "Le Pen, who will remain party president" is Marine Le Pen again.
    people = [
        p
        for p in people
        if free(p.start, p.end) and not any(a.id in found.introduced for a in shorts.get((p.start, p.end), ()))
    ]
    people = [
        dataclasses.replace(person, name=name) for person in people if (name := person_name(person.name, titled=True))
    ]
    for person in people:
        country = person.country or next(
            (
                m.value.actor.country
                for m in named
                if m.end <= person.title_start and not text[m.end : person.title_start].strip()
            ),
            None,
        )
        actor = Actor(
            UNLISTED + slug(person.name), person.name, "person", country, person.role, (), (surname(person.name),)
        )
        found.add(actor, Mention(person.start, person.name, "title"))
    for person in people:
        taken.add(person.start, person.end)
    # Everyone else the story names: a full name introduces a person no gazetteer or title gave us; a surname after
    # a courtesy title ("Mr Howard") waits until the people introduced so far have had their say.
    introduced = {fold(actor.name) for actor in found.actors.values()}
    surnames_only = []
    people_spans = Taken(len(text))
    for person in everyone:
        if not free(person.start, person.end):
            continue
        if shorts.get((person.start, person.end)):  # "Mme Clinton": a listed surname, maybe nobody the story named
            if person.surname_only:
                surnames_only.append(person)
            continue
        folded_name = fold(person.name)
        earlier = next((a for a in found.actors.values() if fold(a.name).endswith(f" {folded_name}")), None)
        if person.surname_only:
            surnames_only.append(person)
            continue
        if earlier is not None:  # "Rodriguez Saa" after "Adolfo Rodriguez Saa": the same person again
            found.add(earlier, Mention(person.start, person.name, "short"), introduces=False)
            taken.add(person.start, person.end)
        elif folded_name not in introduced:
            actor = Actor(UNLISTED + slug(person.name), person.name, "person", None, "", (), (surname(person.name),))
            found.add(actor, Mention(person.start, person.name, "name"))
            taken.add(person.start, person.end)  # counted here, not again when its full name is looked for below
            introduced.add(folded_name)
        people_spans.add(person.start, person.end)
    dateline_country = record.dateline.country or (
        resolve_place(record.dateline.place, record.language, record.source.agency) if record.dateline.place else None
    )
    names = country_gazetteer().names
    for ministry in ministries:
        if free(ministry.start, ministry.end):
            start = _qualified_start(text, story.runs, ministry.start)  # "Israeli Defence Ministry"
            surface = text[start : ministry.end]
            country = ministry.country or dateline_country
            if country:
                label = titles().portfolio_names[ministry.slug]
                actor = Actor(
                    f"{UNLISTED}{country.lower()}-ministry-{ministry.slug}",
                    f"Ministry of {label} ({names.get(country, country)})",
                    "organisation",
                    country,
                    "ministry",
                    (),
                    (),
                )
            else:  # "the Immigration Department": named, though the text does not say whose
                actor = Actor(UNLISTED + slug(surface), surface, "organisation", None, "ministry", (), ())
            found.add(actor, Mention(start, surface, "title"))
            taken.add(start, ministry.end)
    known_people = {person.name.split()[-1] for person in everyone}
    for organisation in find_organisations(text, story.runs):
        if organisation.owner and (
            organisation.name in known_people or (organisation.start, organisation.end) in shorts
        ):
            continue  # "Suharto's condition", "Agha's men": a person the story or the gazetteer names
        if free(organisation.start, organisation.end) and people_spans.free(organisation.start, organisation.end):
            key = UNLISTED + slug(organisation.name)
            actor = (
                found.actors.get(key)
                or _spelled_out(found, organisation.name)
                or Actor(
                    key,
                    organisation.name,
                    "organisation",
                    country_in(organisation.name) or _owner_country(text, organisation.start),
                    "organisation",
                    (),
                    (),
                )
            )
            found.add(actor, Mention(organisation.start, text[organisation.start : organisation.end], "name"))
            taken.add(organisation.start, organisation.end)
    # Later mentions of people found by title: their full name again, or their surname (a short form).
    references: dict[int, tuple[str, list[Actor]]] = {
        start: (text[start:end], list(actors)) for (start, end), actors in shorts.items() if free(start, end)
    }
    forms: dict[str, list[tuple[Actor, bool]]] = defaultdict(list)  # form → (actor, is a short form)
    for actor in [a for key, a in found.actors.items() if key.startswith(UNLISTED) and a.kind == "person"]:
        for form, short in ((actor.name, False), *((form, True) for form in actor.short)):
            forms[form].append((actor, short))
    for start, end, form, _, _ in _occurrences(text, forms):
        if not free(start, end):
            continue
        for actor, short in forms[form]:
            if short:
                surface, candidates = references.get(start, (form, []))
                references[start] = (surface, [*candidates, actor])
            else:
                found.add(actor, Mention(start, form, "name"))
                taken.add(start, end)
    named_countries = {
        m.value.code for m in story.matches(country_gazetteer().matcher) if isinstance(m.value, CountryForm)
    }
    named_countries.add(dateline_country or "")
    given_names = {person.name.split()[0] for person in everyone}
    for start, (surface, candidates) in sorted(references.items()):
        if not free(start, start + len(surface)):
            continue
        actor = found.referent(candidates, start)
        if actor is None and surface not in given_names:  # "George" after "George Harrison" is no Eddie George
            actor = _in_office(candidates, record.published_at, named_countries)
        if actor is not None:
            found.add(actor, Mention(start, surface, "short"), introduces=False)
    referred = {mention.start for mentions in found.mentions.values() for mention in mentions}
    for person in surnames_only:
        if person.start in referred:
            continue
        # a surname the gazetteer's matching could not see ("Orbáns Sprecher", a genitive) is the person of that
        # surname the story introduced; "Mr Howard" in a story that never gave his full name is Howard himself
        if (earlier := found.referent(_bearers(found, person.name), person.start)) is not None:
            found.add(earlier, Mention(person.start, person.name, "short"), introduces=False)
        else:
            actor = Actor(UNLISTED + slug(person.name), person.name, "person", None, "", (), (person.name,))
            found.add(actor, Mention(person.start, person.name, "short"))
    credited = fold(record.source.agency or "")
    tags = []
    for actor_id, mentions in found.mentions.items():
        actor = found.actors[actor_id]
        if credited and credited in _folded_names(actor):
            continue
        evidence = gather(mentions, story)
        score = relevance(evidence, story)
        tags.append(
            ActorTag(
                actor.id,
                actor.name,
                actor.kind,
                actor.country,
                actor.role_on(record.published_at),
                score,
                evidence.surfaces,
                evidence,
            )
        )
    return sorted(tags, key=lambda tag: (-tag.score, tag.evidence.first))


def _bearers(found: _Found, surname: str) -> list[Actor]:
    """The people found so far whose surname (a short form, or their name's last word) is `surname`."""
    folded = fold(surname)
    return [
        actor
        for actor in found.actors.values()
        if actor.kind == "person"
        and (fold(actor.name).endswith(f" {folded}") or any(fold(short) == folded for short in actor.short))
    ]


def _owner_country(text: str, start: int) -> str | None:
    """The country whose organisation a name is, by its possessive before the name: "Ukraine's National Security
    and Defense Council" is Ukraine's; "Putin's United Russia" and "Michael Jordan's Charitable Foundation" name no
    country so: the whole owner must be a country's name."""
    owner = _OWNER.search(text, max(0, start - 48), start)
    return country_in(owner[1]) if owner and country_gazetteer().names_whole(owner[1]) else None


def _occurrences(text: str, forms: Iterable[str]) -> list[Match[None]]:
    """Whole-word occurrences of the forms, leftmost and then longest first, none overlapping: "Tammy Bruce"
    before "Bruce". `str.find` a form, not one regular expression of them all: the expression is compiled anew
    for each story's forms and tests its look-behind at every position, several times the cost."""
    hits = []
    for form in forms:
        at = text.find(form)
        while at >= 0:
            end = at + len(form)
            if not _word_char(text, at - 1) and not _word_char(text, end):
                hits.append(Match(at, end, form, form, None))
            at = text.find(form, at + 1)
    return leftmost_longest(hits)


def _word_char(text: str, at: int) -> bool:
    return 0 <= at < len(text) and (text[at].isalnum() or text[at] == "_")


_QUALIFIERS = frozenset({"Federal", "State", "Western", "Eastern", "Northern", "Southern", "North", "South", "New"})


def _qualified_start(text: str, runs: list[tuple[int, int]], start: int) -> int:
    """Where a ministry's name starts with the words of its run that say whose it is, as written: "Western
    Australian Health Department", not "Health Department" (country words and a few qualifiers, nothing else)."""
    run = bisect_right(runs, (start, len(text) + 1)) - 1
    if run < 0 or not runs[run][0] < start <= runs[run][1]:
        return start
    words = text[runs[run][0] : start].split()
    while words and not words[-1].endswith(("'s", "\u2019s")) and (words[-1] in _QUALIFIERS or country_in(words[-1])):
        start = text.rindex(words.pop(), 0, start)
    return start


def _spelled_out(found: _Found, name: str) -> Actor | None:
    """The organisation found so far under this name or alias, or whose name an acronym stands for ("CCD" after
    the listed "Centre for Countering Disinformation")."""
    return next((a for a in found.actors.values() if a.kind == "organisation" and name in _names_of(a)), None)


@functools.lru_cache(maxsize=16384)
def _names_of(actor: Actor) -> frozenset[str]:
    """An organisation's name and aliases, and the acronyms they make."""
    forms = (actor.name, *actor.aliases)
    acronyms = {initials(form) for form in forms}
    return frozenset(forms) | {acronym for acronym in acronyms if 2 <= len(acronym) <= 6}


@functools.lru_cache(maxsize=16384)
def _folded_names(actor: Actor) -> frozenset[str]:
    return frozenset(fold(form) for form in (actor.name, *actor.aliases))


def _another_bearer(match: Match[Named], person: NamedPerson | None) -> bool:
    """Whether a listed person's alias ends the full name of someone else, or is the surname of someone else the
    story named in full before: "Melania Trump" is not Donald Trump, "Donald J. Trump" is; "Truss" after "Warren
    Truss" is Warren Truss."""
    if person is None or person.start >= match.start or match.value.kind != "alias" or " " in match.surface:
        return False
    if match.value.actor.kind != "person":
        return False
    return person.name.split()[0] != match.value.actor.name.split()[0]


def _in_office(candidates: list[Actor], date: str | None, countries: set[str]) -> Actor | None:
    """The head of state or government a bare surname means on the story's date, when the story named nobody
    else by it and names the holder's country ("Bush" in a 2003 story on the US is the president, not the
    governor of Florida; in 1991 his father; in 2026 nobody)."""
    if not date:
        return None
    ranked = sorted(
        (ROLES.index(role), actor)
        for actor in candidates
        if actor.offices and actor.country in countries and (role := actor.role_on(date)) in _HEADS
    )
    if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):
        return None
    return ranked[0][1]
