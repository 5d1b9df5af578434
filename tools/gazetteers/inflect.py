"""Write config/gazetteers/countries.ru.toml and countries.ar.toml: country forms in every shape a news text writes
them. Russian inflects names, adjectives and nouns for case, number and gender (pymorphy3 with the OpenCorpora
dictionaries); Arabic writes its conjunctions and prepositions onto the word ("والعراق"، "بالعراق"، "للعراق").
The tagger matches whole words only, so each shape must be a form of its own.

The hand-written lemmas are in config/gazetteers/lemmas/countries.<lang>.toml; CLDR's country names in the
language come from Babel. A form that two countries would share is left out. Run after editing a lemma file
(pymorphy3 is one of the project's dependencies):

    .venv/bin/python -m tools.gazetteers.inflect
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pycountry
from babel import Locale

ROOT = Path(__file__).resolve().parents[2]
LEMMAS = ROOT / "config" / "gazetteers" / "lemmas"
TABLES = ("names", "demonyms", "capitals", "metonyms", "places")
RU_CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
AR_BEFORE_ARTICLE = ("و", "ف", "ب", "ك", "وب", "فب", "وك")
AR_BEFORE_WORD = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك")
TOWN_BEFORE = {"ru": ["в", "во", "под", "из", "близ"], "ar": ["في", "قرب", "من"]}


def _cldr(language: str) -> dict[str, list[str]]:
    """CLDR's territory names of the ISO 3166-1 countries, without their parenthesised part (often another
    country's name: "Виргинские о-ва (Великобритания)") or comma-inverted ones."""
    codes = {country.alpha_2 for country in pycountry.countries}
    names: dict[str, list[str]] = defaultdict(list)
    for code, name in Locale.parse(language).territories.items():
        if code in codes and "," not in name:
            names[code].append(name.split("(")[0].strip())
    return names


def _russian() -> Callable[[str, str], set[str]]:
    import pymorphy3

    morph = pymorphy3.MorphAnalyzer()

    def word_forms(word: str, numbers: Iterable[str]) -> dict[tuple[str, str], str]:
        parsed = morph.parse(word.lower())
        best = next((p for p in parsed if {"Geox"} & p.tag.grammemes), parsed[0])
        forms = {}
        for number in numbers:
            for case in RU_CASES:
                inflected = best.inflect({case, number})
                if inflected is not None:
                    forms[case, number] = inflected.word
        return forms

    def shaped(form: str, like: str) -> str:
        if like.isupper() and len(like) > 1:
            return form.upper()
        parts = re.split(r"(-)", form)
        models = re.split(r"(-)", like)
        if len(parts) == len(models):
            return "".join(p[:1].upper() + p[1:] if m[:1].isupper() else p for p, m in zip(parts, models, strict=True))
        return form[:1].upper() + form[1:] if like[:1].isupper() else form

    def inflect(phrase: str, table: str) -> set[str]:
        if table in ("demonyms", "people"):  # every form of the word's paradigm
            parsed = morph.parse(phrase)[0]
            words = {lexeme.word for lexeme in parsed.lexeme}
            return words | {word.replace("ё", "е") for word in words}
        words = phrase.split()
        if any(word.isupper() and len(word) > 1 for word in words):  # США, КНР, ОАЭ: not inflected
            return {phrase}
        # The head noun and the adjectives before it agree; what follows it stays ("Сектор Газа", "Штаты Америки").
        head = next((i for i, word in enumerate(words) if morph.parse(word.lower())[0].tag.POS == "NOUN"), 0)
        numbers = ("plur",) if morph.parse(words[head].lower())[0].tag.number == "plur" else ("sing",)
        per_word = [word_forms(word, numbers) if i <= head else {} for i, word in enumerate(words)]
        keys = set.intersection(*(set(forms) for forms in per_word[: head + 1])) if per_word else set()
        out = {phrase}
        for key in keys:
            shapes = (shaped(forms[key], word) if forms else word for forms, word in zip(per_word, words, strict=True))
            out.add(" ".join(shapes))
        return out | {form.replace("ё", "е") for form in out}

    return inflect


def _arabic_prefixed(form: str) -> set[str]:
    first, _, rest = form.partition(" ")
    tail = f" {rest}" if rest else ""
    if first.startswith("ال"):
        heads = {p + first for p in AR_BEFORE_ARTICLE} | {p + "ل" + first[2:] for p in ("ل", "ول", "فل")}
    else:
        heads = {p + first for p in AR_BEFORE_WORD}
    return {form} | {head + tail for head in heads}


def _arabic(phrase: str, table: str) -> set[str]:
    if table == "demonyms":  # a nisba stem: its endings, with and without the article
        endings = [phrase + ending for ending in ("ي", "ية", "يون", "يين", "يان", "يات")]
        return set().union(*(_arabic_prefixed(word) for word in [*endings, *("ال" + word for word in endings)]))
    return _arabic_prefixed(phrase)


def build(language: str) -> dict[str, Any]:
    lemmas = tomllib.loads((LEMMAS / f"countries.{language}.toml").read_text(encoding="utf-8"))
    expand = _russian() if language == "ru" else _arabic
    tables: dict[str, dict[str, set[str]]] = {table: defaultdict(set) for table in TABLES}
    sources = {"names": [_cldr(language), lemmas.get("names", {})]}
    sources["demonyms"] = [lemmas.get("demonyms", {})]
    for table in ("capitals", "metonyms", "places"):
        sources[table] = [lemmas.get(table, {})]
    for table, groups in sources.items():
        for group in groups:
            for code, phrases in group.items():
                for phrase in phrases:
                    tables[table][code] |= expand(phrase, table)
    for code, nouns in lemmas.get("people", {}).items():
        for noun in nouns:
            tables["demonyms"][code] |= expand(noun, "people")
    owners: dict[str, set[str]] = defaultdict(set)
    for table in tables.values():
        for code, forms in table.items():
            for form in forms:
                owners[form].add(code)
    shared = {form for form, codes in owners.items() if len(codes) > 1}
    seen: set[str] = set()
    result: dict[str, Any] = {}
    for table in TABLES:  # a form in two tables of one country stays in the first
        result[table] = {}
        for code in sorted(tables[table]):
            forms = sorted(tables[table][code] - shared - seen)
            seen |= set(forms)
            if forms:
                result[table][code] = forms
    result["source"] = lemmas["source"]
    result["shared"] = sorted(shared)
    return result


def write(language: str) -> Path:
    built = build(language)
    path = ROOT / "config" / "gazetteers" / f"countries.{language}.toml"
    lines = [
        f"# Country forms in {Locale.parse(language).english_name}, read by pipeline/tagging/country_forms.py for",
        "# stories in that language. GENERATED by tools/gazetteers/inflect.py from config/gazetteers/lemmas/"
        f"countries.{language}.toml and CLDR's names (Babel): edit those, not this.",
        f"source = {json.dumps(built['source'], ensure_ascii=False)}",
        f"# Left out, as more than one country's: {', '.join(built['shared']) or 'none'}",
        "",
        f"town_before = {json.dumps(TOWN_BEFORE[language], ensure_ascii=False)}",
    ]
    for table in TABLES:
        lines += ["", f"[{table}]"]
        lines += [f"{code} = {json.dumps(forms, ensure_ascii=False)}" for code, forms in built[table].items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    for language in ("ru", "ar"):
        print(write(language))
