"""Story text as deduplication sees it: normalised words, an exact fingerprint of them, and MinHash signatures
over word shingles with their LSH band keys.

Only the story paragraphs count: captions, comments and page furniture are kept out of `body` by the parser,
and the dateline is dropped here too, so the same story carried with different furniture or a different
dateline style has the same words.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from datasketch import MinHash

from pipeline.formats.dateline import split_dateline

_WORD = re.compile(r"\w+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# datasketch's default since 2.0: a 32-bit bijective permutation per hash function, values stored as uint32.
SCHEME = "affine32"
_SIGNATURE_DTYPE = np.dtype("<u4")


def words(paragraphs: Sequence[str]) -> list[str]:
    """The story's words, compatibility-normalised, without accents, casefolded, punctuation and a leading
    dateline ("KYIV, Nov 20 (Reuters) -") dropped: typography and house style do not make a different story."""
    if not paragraphs:
        return []
    dateline = split_dateline(paragraphs[0])
    first = dateline.rest if dateline is not None else paragraphs[0]
    text = "\n".join([first, *paragraphs[1:]])
    if not text.isascii():  # accents go; only non-ASCII runs are looked at (a curly quote made this the hot spot)
        text = _NON_ASCII.sub(_without_combining, unicodedata.normalize("NFKD", text))
    return _WORD.findall(text.casefold())


def _without_combining(run: re.Match[str]) -> str:
    return "".join(char for char in run[0] if not unicodedata.combining(char))


def digest(tokens: Sequence[str]) -> str:
    """A short stable digest of normalised words: the exact fingerprint of a story's text."""
    return hashlib.blake2b(" ".join(tokens).encode("utf-8"), digest_size=16).hexdigest()


def shingles(tokens: Sequence[str], size: int) -> set[bytes]:
    """The distinct overlapping runs of `size` words; a text shorter than that is one shingle."""
    if len(tokens) <= size:
        return {" ".join(tokens).encode("utf-8")} if tokens else set()
    if size == 3:  # the configured size: an f-string over zipped words builds the set in half the time of slices
        return {f"{a} {b} {c}".encode() for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False)}
    return {" ".join(run).encode() for run in zip(*(tokens[k:] for k in range(size)), strict=False)}


def encode_signature(signature: np.ndarray) -> str:
    """A signature as JSON-safe text: hex of little-endian uint32, 8 characters a permutation."""
    return signature.astype(_SIGNATURE_DTYPE, copy=False).tobytes().hex()


def decode_signatures(texts: Sequence[str], num_perm: int) -> np.ndarray:
    """Encoded signatures as one array, a row each, decoded in a single pass."""
    return np.frombuffer(bytes.fromhex("".join(texts)), dtype=_SIGNATURE_DTYPE).reshape(len(texts), num_perm)


class Signer:
    """MinHash signatures and LSH band keys with one fixed set of permutations.

    The permutation parameters are drawn once here and shared by every signature, so signing a story costs
    the shingle hashing and one vectorised numpy pass, not a new random generator. Shingles are hashed with
    CRC-32, several times cheaper than datasketch's default SHA-1: the affine32 scheme passes every input hash
    through the MurmurHash3 finalizer first, which is there to make weak input hashes safe."""

    def __init__(self, *, num_perm: int, bands: int, seed: int) -> None:
        if num_perm % bands:
            raise ValueError(f"num_perm ({num_perm}) must be a multiple of bands ({bands})")
        self.num_perm = num_perm
        self.bands = bands
        self.seed = seed
        self._permutations = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations

    def signature(self, shingle_set: Iterable[bytes]) -> np.ndarray:
        minhash = MinHash(
            num_perm=self.num_perm, seed=self.seed, hashfunc=zlib.crc32, permutations=self._permutations, scheme=SCHEME
        )
        minhash.update_batch(shingle_set)
        return minhash.hashvalues

    def band_keys(self, signature: np.ndarray) -> list[str]:
        """One key a band ("band number:its rows in hex"); stories sharing any key are candidates."""
        text = encode_signature(signature)
        width = len(text) // self.bands
        return [f"{band}:{text[band * width : (band + 1) * width]}" for band in range(self.bands)]


def jaccard(signature: np.ndarray, others: np.ndarray) -> np.ndarray:
    """MinHash Jaccard estimates of one signature against each row of `others`: the share of equal minima."""
    return np.count_nonzero(others == signature, axis=-1) / signature.shape[-1]


def _shared(jaccard: np.ndarray, size: int, other_sizes: np.ndarray) -> np.ndarray:
    """Estimated shingles in common, from the Jaccard estimate and the set sizes: |A & B| = J (|A| + |B|) / (1 + J)."""
    return jaccard * (size + other_sizes) / (1.0 + jaccard)


def share_found(jaccard: np.ndarray, size: int, other_sizes: np.ndarray) -> np.ndarray:
    """The share of the first set found in each other set: how much of an item a story already holds."""
    return np.minimum(1.0, _shared(jaccard, size, other_sizes) / max(1, size))


def _containment(jaccard: np.ndarray, size: int, other_sizes: np.ndarray) -> np.ndarray:
    """The share of the smaller set found in the larger."""
    return np.minimum(1.0, _shared(jaccard, size, other_sizes) / np.maximum(1, np.minimum(size, other_sizes)))


def _cosine(jaccard: np.ndarray, size: int, other_sizes: np.ndarray) -> np.ndarray:
    """|A & B| / sqrt(|A| |B|), the geometric mean of the two containments (Ochiai): a trimmed copy keeps a
    high score, where its Jaccard drops, while a story sharing one paragraph with another stays low on both."""
    return np.minimum(1.0, _shared(jaccard, size, other_sizes) / np.sqrt(np.maximum(1, size * other_sizes)))


Measure = Callable[[np.ndarray, int, np.ndarray], np.ndarray]
# Similarity of one shingle set (its size) to others (theirs), from the MinHash Jaccard estimates.
MEASURES: dict[str, Measure] = {
    "jaccard": lambda jaccard, size, other_sizes: jaccard,
    "containment": _containment,
    "cosine": _cosine,
}
