"""The platforms' own data that the text rules need, read once from files beside this module.

Why files and not code: the top-level-domain list and the emoji sequences are facts that the
platforms publish and change; keeping them as data (with their origin and licence in NOTICE.md)
lets them be refreshed without touching the counting logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources


def _lines(name: str) -> list[str]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


@dataclass(frozen=True)
class TopLevelDomains:
    """twitter-text's TLD lists, each in its own order (a name before any of its prefixes)."""

    generic: tuple[str, ...]
    country: tuple[str, ...]


@cache
def twitter_text_tlds() -> TopLevelDomains:
    """The generic and country-code TLDs twitter-text 3.1.0 links (`twitter_text_tlds.txt`)."""
    generic: list[str] = []
    country: list[str] = []
    for line in _lines("twitter_text_tlds.txt"):
        kind, name = line.split("\t")
        (generic if kind == "generic" else country).append(name)
    return TopLevelDomains(tuple(generic), tuple(country))


@dataclass(frozen=True)
class EmojiSequence:
    """One sequence that counts as a single emoji; `unless_fe0e`: not when U+FE0E follows."""

    text: str
    unless_fe0e: bool


@cache
def twemoji_sequences() -> tuple[EmojiSequence, ...]:
    """Every emoji sequence twitter-text 3.1.0 weighs as one (`twemoji_11_sequences.txt`)."""
    out: list[EmojiSequence] = []
    for line in _lines("twemoji_11_sequences.txt"):
        parts = line.split()
        guard = parts[-1] == "!FE0E"
        if guard:
            parts = parts[:-1]
        out.append(EmojiSequence("".join(chr(int(p, 16)) for p in parts), guard))
    return tuple(out)
