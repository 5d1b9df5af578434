"""Topic terms of a story: the words and two-word phrases that could name a new subject before any tag does.

A story's terms come from its headline and first paragraph (where wire copy says what the story is about),
normalised as dedup sees words (casefolded, accents and a leading dateline dropped). A word qualifies when it is
not a stop word (config/spikes/stopwords.txt), not part of a name the story is already tagged with, has a letter
and is rarer in general language than `max_zipf` on wordfreq's Zipf scale: that background frequency keeps
"government" or "people" out while "ceasefire", "mpox" or a storm's name get in. A phrase is two such adjacent
words ("fuel depot", "ballistic missile").

Whether a term is *significant* now is the spike detector's call: each term is a `topic` key whose baseline is
its own background frequency on the wire, and a window far above it is a spike (pipeline/spikes/detector.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from wordfreq import available_languages, zipf_frequency

from pipeline.fingerprint import words
from pipeline.spikes.config import SpikeConfig

HEADLINE_WEIGHT = 1.0
LEAD_WEIGHT = 0.5
MIN_LETTERS = 3  # shorter words are initials and abbreviations more often than subjects


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    weight: float  # how much the story is about it: in the headline, or only in the first paragraph


def load_stopwords(path: Path) -> frozenset[str]:
    lines = (line.split("#", 1)[0].strip().casefold() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line)


class TermExtractor:
    def __init__(self, stopwords: frozenset[str], *, max_zipf: float, max_terms: int) -> None:
        self.stopwords = stopwords
        self.max_zipf = max_zipf
        self.max_terms = max_terms
        self._languages = frozenset(available_languages())

    @classmethod
    def from_config(cls, config: SpikeConfig) -> TermExtractor:
        return cls(
            load_stopwords(config.stopwords_path), max_zipf=config.max_zipf, max_terms=config.max_terms_per_story
        )

    def terms(self, headline: str, paragraphs: Sequence[str], language: str | None, names: Iterable[str]) -> list[Term]:
        """Up to `max_terms` terms, headline before first paragraph, phrases before words, rarest first.
        `names` are the surface forms of the story's country and actor tags: they are keys of their own.
        Stories in a language wordfreq does not know give none: there is no background to tell a rare word by."""
        language = language or "en"
        if language not in self._languages:
            return []
        named = {token for name in names for token in words([name])}
        chosen: dict[str, float] = {}
        for weight, text in ((HEADLINE_WEIGHT, [headline]), (LEAD_WEIGHT, list(paragraphs[:1]))):
            candidates = self._candidates(words(text), language, named)
            for term, _ in sorted(candidates, key=lambda candidate: (-candidate[0].count(" "), candidate[1])):
                chosen.setdefault(term, weight)
        return [Term(text, weight) for text, weight in list(chosen.items())[: self.max_terms]]

    def _candidates(self, tokens: list[str], language: str, named: set[str]) -> list[tuple[str, float]]:
        """(term, Zipf frequency of its commonest word) for the words and two-word phrases of one text."""
        rarity = [self._rarity(token, language, named) for token in tokens]
        found: list[tuple[str, float]] = []
        for i, token in enumerate(tokens):
            if rarity[i] is None:
                continue
            found.append((token, rarity[i]))
            if i + 1 < len(tokens) and rarity[i + 1] is not None:
                found.append((f"{token} {tokens[i + 1]}", max(rarity[i], rarity[i + 1])))
        return found

    def _rarity(self, token: str, language: str, named: set[str]) -> float | None:
        """The token's Zipf frequency when it can be part of a term, else None."""
        if len(token) < MIN_LETTERS or token in self.stopwords or token in named:
            return None
        if not any(char.isalpha() for char in token):
            return None
        zipf = _zipf(token, language)
        return zipf if zipf <= self.max_zipf else None


@lru_cache(maxsize=65536)
def _zipf(token: str, language: str) -> float:
    return zipf_frequency(token, language)
