"""Language of a story as an ISO 639-1 code: the one the input declares, else detected by lingua.

lingua ships its n-gram models inside the wheel, so detection needs no download. The detector is built
once per process, restricted to the languages wire services publish in (fewer candidates, faster and
fewer wrong guesses between close languages), in low-accuracy mode (trigrams only: plenty for the few
hundred characters of a headline and lead, and several times faster).
"""

from __future__ import annotations

from functools import cache

from lingua import IsoCode639_1, IsoCode639_3, Language, LanguageDetector, LanguageDetectorBuilder

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


@cache
def _detector() -> LanguageDetector:
    return (
        LanguageDetectorBuilder.from_languages(*NEWS_LANGUAGES)
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when lingua cannot tell."""
    language = _detector().detect_language_of(text[:SAMPLE_CHARS])
    return language.iso_code_639_1.name.lower() if language is not None else None


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
        return Language.from_iso_code_639_3(getattr(IsoCode639_3, primary)).iso_code_639_1.name.lower()
    return None
