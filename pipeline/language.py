"""Language of a story as an ISO 639-1 code: the one the input declares, else detected by lingua.

lingua ships its n-gram models inside the wheel, so detection needs no download. The detector is built
once per process, restricted to the languages wire services publish in (fewer candidates, faster and
fewer wrong guesses between close languages), in low-accuracy mode (trigrams only: plenty for the few
hundred characters of a headline and lead, and several times faster). A short sample (a flash, a headline
with a line under it) is mostly names, which mislead the trigrams ("Merz wins Bundestag confidence vote" reads
as Spanish): there its few lowercase words, by their frequency in each language (config/language/
common-words.tsv), say which languages it may be, and lingua only chooses among those.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache

from lingua import IsoCode639_1, IsoCode639_3, Language, LanguageDetector, LanguageDetectorBuilder

from pipeline.config_dir import config_path

NEWS_LANGUAGES = (
    Language.ARABIC,
    Language.BOKMAL,
    Language.BULGARIAN,
    Language.CHINESE,
    Language.CROATIAN,
    Language.CZECH,
    Language.DANISH,
    Language.DUTCH,
    Language.ENGLISH,
    Language.FINNISH,
    Language.FRENCH,
    Language.GERMAN,
    Language.GREEK,
    Language.HEBREW,
    Language.HINDI,
    Language.HUNGARIAN,
    Language.INDONESIAN,
    Language.ITALIAN,
    Language.JAPANESE,
    Language.KOREAN,
    Language.PERSIAN,
    Language.POLISH,
    Language.PORTUGUESE,
    Language.ROMANIAN,
    Language.RUSSIAN,
    Language.SLOVAK,
    Language.SPANISH,
    Language.SWAHILI,
    Language.SWEDISH,
    Language.TURKISH,
    Language.UKRAINIAN,
    Language.VIETNAMESE,
)
SAMPLE_CHARS = 240  # headline and lead: enough to tell the language; detection cost grows with length
SHORT_SAMPLE = 160  # characters: a sample shorter than this is told by its common words first
_LEAD = 0.5  # mean Zipf frequency within which of the first language's another is plausible too
_COMMON = 3.0  # how common the words must be on average in the first (a word not listed counts 0) to tell
_COMMA_BELOW = str.maketrans("şţ", "șț")
_TOKEN = re.compile(r"[^\W\d_]+")


@cache
def _detector() -> LanguageDetector:
    return (
        LanguageDetectorBuilder.from_languages(*NEWS_LANGUAGES)
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


@cache
def _common_words() -> dict[str, dict[str, float]]:
    """language → word → Zipf frequency, for the most frequent words of the Latin-script news languages."""
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for line in config_path("language", "common-words.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            language, word, zipf = line.split("\t")
            table[language][word] = float(zipf)
    return dict(table)


@cache
def _every_common_word() -> frozenset[str]:
    return frozenset(word for frequency in _common_words().values() for word in frequency)


def common_words_outside_ascii(text: str) -> int:
    """How many of the text's words with a letter outside ASCII are common words of a Latin-script news language:
    legacy bytes read in their own charset give many ("środę", "año"), read in a neighbour's, few ("œrodê")."""
    common = _every_common_word()
    # legacy charsets write Romanian's ș and ț with a cedilla (ş, ţ); the word lists have the comma below
    tokens = (token.lower().translate(_COMMA_BELOW) for token in _TOKEN.findall(text) if not token.isascii())
    return sum(token in common for token in tokens)


def _code(language: Language) -> str:
    return language.iso_code_639_1.name.lower()


@cache
def _news_codes() -> tuple[str, ...]:
    return tuple(map(_code, NEWS_LANGUAGES))


def _plausible(sample: str) -> list[str]:
    """The languages the sample may be in: those whose common words its lowercase words are (the one that leads,
    or the few within `_LEAD` of the first); none when its words are too few or too rare to tell. Swahili has no
    word list: a short Swahili sample is read as a listed language its words resemble, or by lingua alone."""
    words = [token for token in _TOKEN.findall(sample) if token.islower() and len(token) > 1]
    if len(words) < 2:
        return []
    table = _common_words()
    scores = {
        language: sum(table[language].get(word, 0.0) for word in words) / len(words)
        for language in _news_codes()
        if language in table
    }
    best = max(scores.values())
    if best < _COMMON:
        return []
    return [language for language, score in scores.items() if score > best - _LEAD]


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when it cannot be told. In a short sample the common words
    say which languages it may be, and lingua chooses among those."""
    sample = text[:SAMPLE_CHARS]
    if len(sample) < SHORT_SAMPLE and (plausible := _plausible(sample)):
        values = _detector().compute_language_confidence_values(sample)
        confidence = {_code(value.language): value.value for value in values}
        return max(plausible, key=lambda language: confidence.get(language, 0.0))
    detected = _detector().detect_language_of(sample)
    return _code(detected) if detected is not None else None


def declared_language(tag: object) -> str | None:
    """ISO 639-1 code from a declared language tag ("en", "en-GB", "fr_FR", "fra"), or None if it is not one."""
    if not isinstance(tag, str):
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].upper()
    if not primary.isascii() or not primary.isalpha():
        return None
    if len(primary) == 2 and hasattr(IsoCode639_1, primary):
        return primary.lower()
    if len(primary) == 3 and hasattr(IsoCode639_3, primary):
        return _code(Language.from_iso_code_639_3(getattr(IsoCode639_3, primary)))
    return None
