"""Synthetic wire stories that are distinct by construction, for load, soak and fault runs.

The worker folds near-duplicate bodies into one story (MinHash over three-word shingles of the body), so each
story draws random word sequences from a large made-up vocabulary: two of them share almost no shingles and
each counts as a story of its own. Deterministic: the same case and number give the same story.
"""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime
from functools import lru_cache

_ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "pr", "r", "s", "st",
           "t", "tr", "v", "w", "z"]  # fmt: skip
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"]
_CODAS = ["", "", "n", "r", "s", "l", "m", "t", "nd", "rk"]


@lru_cache(maxsize=1)
def vocabulary(size: int = 20_000) -> tuple[str, ...]:
    """`size` distinct made-up words of two or three syllables (always the same ones)."""
    rng = random.Random(20_26)
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.choice((2, 2, 3))
        words.add("".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)))
    return tuple(sorted(words))


@lru_cache(maxsize=1)
def _zipf_weights(size: int = 20_000) -> list[float]:
    """Cumulative weights of rank r ∝ 1/r: how often words are used in real text (a few very often, most rarely)."""
    return list(itertools.accumulate(1 / rank for rank in range(1, size + 1)))


def sentence(rng: random.Random, words: int, *, zipf: bool = False) -> str:
    """Random words, uniformly drawn (every word equally rare) or with natural-language (Zipf) frequencies."""
    vocab = vocabulary()
    chosen = rng.choices(vocab, cum_weights=_zipf_weights(), k=words) if zipf else rng.choices(vocab, k=words)
    text = " ".join(chosen)
    return text[0].upper() + text[1:] + "."


def ninjs_story(
    case: str, number: int, *, published: datetime | None = None, seed: int = 0, zipf: bool = False
) -> dict[str, str]:
    """A ninjs story with a unique uri, a headline and three paragraphs of random words (see `sentence`)."""
    rng = random.Random(f"{case}:{number}:{seed}")
    moment = published or datetime.now(UTC)
    return {
        "uri": f"urn:wirestream:synthetic:{case}:{number}",
        "type": "text",
        "language": "en",
        "copyrightholder": "Synthetic Wire",
        "versioncreated": moment.isoformat(timespec="seconds"),
        "headline": sentence(rng, 8, zipf=zipf).rstrip("."),
        "body_text": "\n".join(sentence(rng, rng.randint(25, 40), zipf=zipf) for _ in range(3)),
    }


def jsonl(stories: list[dict[str, str]]) -> bytes:
    """One JSON object a line, as `wirestream replay` reads them."""
    return b"".join(json.dumps(story).encode() + b"\n" for story in stories)
