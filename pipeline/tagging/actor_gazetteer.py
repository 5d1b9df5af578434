"""The curated actors of config/gazetteers/actors.toml and office-holders.toml, and the automaton over their names.

A listed actor is found by its name or an alias anywhere in a story; its short forms (a surname, "Kim", "Bruce")
only refer back to it once the story has introduced it, so they carry the candidates rather than the actor.
office-holders.toml adds people with their dates in office, so the role a story gives is the one held on the
story's date (a 2016 story's Obama is head of state, a 2024 story's is not).
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pycountry

from pipeline.config_dir import config_path
from pipeline.tagging.matching import Matcher

KINDS = ("person", "organisation")
ROLES = (
    "head_of_state",
    "head_of_government",
    "foreign_minister",
    "defence_minister",
    "government",
    "legislator",
    "opposition",
    "military",
    "spokesperson",
    "diplomat",
    "ministry",
    "intelligence",
    "international_organisation",
    "armed_group",
    "media",
    "religious",
)
_SUFFIX = re.compile(r"^(?:Jr\.?|Sr\.?|[IVX]+)$")  # "Marcos Jr", "Pope Leo XIV": not a surname
_DATE = re.compile(r"^\d{4}-\d{2}(?:-\d{2})?$")


@dataclass(frozen=True, slots=True)
class Office:
    role: str
    title: str
    start: str  # ISO date, YYYY-MM-DD or YYYY-MM
    end: str | None  # None: still in office

    def held_on(self, date: str) -> bool:
        return self.start <= date and (self.end is None or date < self.end)


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    name: str
    kind: str
    country: str | None
    role: str
    aliases: tuple[str, ...]
    short: tuple[str, ...]
    offices: tuple[Office, ...] = ()

    def role_on(self, date: str | None) -> str:
        """The role held on a story's date (ISO): the first listed office held then, none ("") if the actor held
        no listed office then; `role` when the story has no date or the actor no dated offices."""
        if not date or not self.offices:
            return self.role
        return next((office.role for office in self.offices if office.held_on(date[:10])), "")


@dataclass(frozen=True, slots=True)
class Named:
    """A form that introduces one actor."""

    actor: Actor
    kind: str  # "name" or "alias"


@dataclass(frozen=True, slots=True)
class Short:
    """A form that refers back to whichever of these actors the story introduced."""

    actors: tuple[Actor, ...]


ActorValue = Named | Short | None  # None: a span that names no listed actor


@dataclass(frozen=True)
class ActorGazetteer:
    actors: dict[str, Actor]
    matcher: Matcher[ActorValue]


def surname(name: str) -> str:
    """The last word of a name that is not a generational suffix."""
    words = [word for word in name.split() if not _SUFFIX.match(word)]
    return words[-1]


def _actor(entry: dict, codes: set[str]) -> Actor:
    missing = {"id", "name", "kind", "country", "role"} - entry.keys()
    if missing:
        raise ValueError(f"actors.toml: {entry.get('id', entry)} lacks {sorted(missing)}")
    if entry["kind"] not in KINDS or entry["role"] not in ROLES:
        raise ValueError(f"actors.toml: {entry['id']} has kind {entry['kind']!r} or role {entry['role']!r}")
    if entry["country"] and entry["country"] not in codes:
        raise ValueError(f"actors.toml: {entry['id']} has country {entry['country']!r}")
    if entry["id"].startswith("unlisted:"):
        raise ValueError(f"actors.toml: {entry['id']}: the unlisted: prefix marks actors not in this file")
    short = entry.get("short")
    if short is None:
        short = [surname(entry["name"])] if entry["kind"] == "person" else []
    return Actor(
        id=entry["id"],
        name=entry["name"],
        kind=entry["kind"],
        country=entry["country"] or None,
        role=entry["role"],
        aliases=tuple(entry.get("aliases", ())),
        short=tuple(short),
    )


def _offices(entry: dict) -> tuple[Office, ...]:
    offices = []
    for office in entry.get("offices", ()):
        dates = [office["from"], *([office["to"]] if "to" in office else [])]
        if office["role"] not in ROLES or not all(_DATE.match(date) for date in dates):
            raise ValueError(f"office-holders.toml: {entry['id']} has an office {office!r} with a bad role or date")
        offices.append(Office(office["role"], office.get("title", ""), office["from"], office.get("to")))
    return tuple(offices)


def _office_holders(path: Path, actors: dict[str, Actor], codes: set[str]) -> None:
    """Add the people of office-holders.toml to `actors`: a person already listed gets the dated offices, the
    others come in with their latest office's role."""
    for entry in tomllib.loads(path.read_text(encoding="utf-8")).get("person", ()):
        offices = _offices(entry)
        if entry["id"] in actors:
            actors[entry["id"]] = dataclasses.replace(actors[entry["id"]], offices=offices)
            continue
        latest = max(offices, key=lambda office: office.start, default=None)
        role = latest.role if latest else "government"
        actor = _actor({**entry, "kind": "person", "role": role}, codes)
        actors[actor.id] = dataclasses.replace(actor, offices=offices)


def load(path: Path | None = None, offices: Path | None = None) -> ActorGazetteer:
    """The gazetteer of the given files, by default config/gazetteers/actors.toml and office-holders.toml (when
    there is one)."""
    config = tomllib.loads((path or config_path("gazetteers", "actors.toml")).read_text(encoding="utf-8"))
    codes = {country.alpha_2 for country in pycountry.countries}
    actors: dict[str, Actor] = {}
    for entry in config["actor"]:
        actor = _actor(entry, codes)
        if actor.id in actors:
            raise ValueError(f"actors.toml: {actor.id} listed twice")
        actors[actor.id] = actor
    offices = offices or config_path("gazetteers", "office-holders.toml")
    if offices.is_file():
        _office_holders(offices, actors, codes)
    forms: dict[str, ActorValue] = dict.fromkeys(config.get("not_actors", ()))
    for actor in actors.values():
        for form, kind in [(actor.name, "name"), *((alias, "alias") for alias in actor.aliases)]:
            known = forms.get(form)
            if isinstance(known, Named) and known.actor.id != actor.id:
                raise ValueError(f"actors.toml: {form!r} names both {known.actor.id} and {actor.id}")
            if form not in forms or isinstance(known, Short):
                forms[form] = Named(actor, kind)
    for actor in actors.values():
        for form in actor.short:
            known = forms.get(form)
            if form not in forms:
                forms[form] = Short((actor,))
            elif isinstance(known, Short) and actor not in known.actors:
                forms[form] = Short((*known.actors, actor))
    return ActorGazetteer(actors=actors, matcher=Matcher(forms.items()))
