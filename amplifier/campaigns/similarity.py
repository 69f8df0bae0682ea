"""How similar two post texts are: a documented measure, fast enough at 100,000 pledges.

Why: a platform may forbid substantially similar posts from the accounts one app posts for
(posting.SimilarityRule). A consent is refused when its text is too close to one already
pledged; this module says what "close" means, in pure functions over strings.

The measure (`similarity`, 0-1):

1. Normalise (`words`): NFKC, case-folded; a link stays one word (scheme and `www.` dropped);
   elsewhere every character that is not a letter or a digit (punctuation, `#`, `@`, emoji,
   symbols) separates words. So case, punctuation, emoji and the `#` of a hashtag change
   nothing.
2. Shingles (`shingles`): the set of those words (1-word shingles). A set, not a sequence:
   reordering words changes nothing; a changed hashtag, an added word or a typo changes one
   member of a set of a dozen or more. (Character trigrams were tried first: common trigrams
   such as "the" put unrelated texts at 0.3, too close to the threshold for the bands below to
   tell them apart cheaply; whole words put them at 0.1-0.2.)
3. Jaccard index of the two sets: |A and B| / |A or B| (shared words over all words).

At scale (`MinHasher`, `bands`): each set's MinHash signature (`PERMUTATIONS` hash functions;
the chance two signatures agree at one place equals the Jaccard index), cut into `BANDS` bands of
`ROWS` values. Texts sharing a band are candidates; only candidates are compared exactly. With
32 bands of 3 rows a pair at Jaccard 0.5 shares a band with probability 1 - (1 - 0.5^3)^32 ≈ 0.986,
at 0.6 ≈ 0.9996, while two unrelated texts (0.1-0.2) share one with probability 0.03-0.23;
a stored band is one indexed integer (`consent_similarity.py`).
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from collections.abc import Iterable

_LINK = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")  # letters and digits, any script

PERMUTATIONS = 96
ROWS = 3
BANDS = PERMUTATIONS // ROWS
_PRIME = (1 << 31) - 1  # a Mersenne prime; hashes below it keep every product in 62 bits,
# which CPython multiplies far faster than the 120-bit products of a 61-bit prime


def words(text: str) -> list[str]:
    """The words of `text` after normalisation (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    found: list[str] = []
    position = 0
    for link in _LINK.finditer(text):
        found.extend(_WORD.findall(text[position : link.start()]))
        address = link.group(0).rstrip(".,;:!?)]}'\"")
        address = re.sub(r"^(https?://)?(www\.)?", "", address)
        found.append(address.rstrip("/"))
        position = link.end()
    found.extend(_WORD.findall(text[position:]))
    return found


def shingles(text: str) -> frozenset[str]:
    """The set compared: the normalised words of `text`."""
    return frozenset(words(text))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def similarity(first: str, second: str) -> float:
    """0 (nothing in common) to 1 (the same after normalisation)."""
    return jaccard(shingles(first), shingles(second))


def _hash31(piece: str) -> int:
    return int.from_bytes(hashlib.blake2b(piece.encode(), digest_size=8).digest()) % _PRIME


class MinHasher:
    """MinHash signatures and LSH band keys with fixed, seeded hash functions.

    The seed is fixed so that a band stored today matches one computed after a restart.
    """

    def __init__(self, seed: int = 20260201) -> None:
        rng = random.Random(seed)
        self._params = [
            (rng.randrange(1, _PRIME), rng.randrange(0, _PRIME)) for _ in range(PERMUTATIONS)
        ]

    def signature(self, pieces: Iterable[str]) -> list[int]:
        hashes = [_hash31(p) for p in pieces] or [0]
        prime = _PRIME
        return [min([(a * h + b) % prime for h in hashes]) for a, b in self._params]

    def bands(self, pieces: Iterable[str]) -> list[int]:
        """`BANDS` signed 63-bit keys (a band's number and its `ROWS` values, hashed)."""
        sig = self.signature(pieces)
        keys = []
        for band in range(BANDS):
            row = sig[band * ROWS : (band + 1) * ROWS]
            digest = hashlib.blake2b(repr((band, row)).encode(), digest_size=8).digest()
            keys.append(int.from_bytes(digest, signed=True) >> 1)  # fits BIGINT
        return keys


HASHER = MinHasher()
