"""The curated actors of config/gazetteers/actors.toml and the automaton over their names.

A listed actor is found by its name or an alias anywhere in a story; its short forms (a surname, "Kim", "Bruce")
only refer back to it once the story has introduced it, so they carry the candidates rather than the actor.
"""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    name: str
    kind: str
    country: str | None
    role: str
    aliases: tuple[str, ...]
    short: tuple[str, ...]


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


def load(path: Path | None = None) -> ActorGazetteer:
    """The gazetteer of the given file, by default config/gazetteers/actors.toml."""
    config = tomllib.loads((path or config_path("gazetteers", "actors.toml")).read_text(encoding="utf-8"))
    codes = {country.alpha_2 for country in pycountry.countries}
    actors: dict[str, Actor] = {}
    for entry in config["actor"]:
        actor = _actor(entry, codes)
        if actor.id in actors:
            raise ValueError(f"actors.toml: {actor.id} listed twice")
        actors[actor.id] = actor
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
