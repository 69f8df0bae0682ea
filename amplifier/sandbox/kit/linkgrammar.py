"""The URL grammar of twitter-text, which more than one platform counts links with.

twitter-text (https://github.com/twitter/twitter-text) finds the links in a post, and its
grammar is the ground of the platforms' own link rules (each emulator's ``textlen`` builds its
link pattern from these pieces). The top-level domains are twitter-text 3.1.0's own list, in
``textdata/`` (see NOTICE.md). :func:`grapheme_count` counts user-perceived characters with the
``regex`` library's grapheme clusters (UAX #29, a maintained implementation of the Unicode rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import regex

URL_WEIGHT = 23  # what a link counts for, by default, on the platforms that shorten them


def data_lines(package: str, name: str) -> list[str]:
    """The lines of ``package``'s ``textdata/name``, comments and blank lines left out."""
    text = resources.files(package).joinpath("textdata", name).read_text("utf-8")
    return [ln for ln in text.splitlines() if ln and not ln.startswith("#")]


def alternatives(names: list[str]) -> str:
    return "|".join(regex.escape(name) for name in names)


@dataclass(frozen=True)
class Grammar:
    """Pieces of the URL grammar, as ``regex`` source text."""

    before: str  # what may stand before a link
    domain: str  # a host name on a known top-level domain (or punycode)
    tld: str  # a known top-level domain, not followed by a host character
    latin: str  # accented Latin letters, inside a character class
    path_char: str  # a character of a path
    parens: str  # a balanced pair of parentheses in a path


@cache
def grammar() -> Grammar:
    lines = data_lines("amplifier.sandbox.kit", "twitter_text_tlds.txt")
    gtlds = [ln.split("\t")[1] for ln in lines if ln.startswith("g")]
    cctlds = [ln.split("\t")[1] for ln in lines if ln.startswith("c")]
    end = r"(?=[^0-9a-zA-Z@+\-]|\Z)"
    tld = rf"(?i:(?:{alternatives(gtlds)}){end}|(?:{alternatives(cctlds)}){end})"
    not_domain = (
        r"!'#%&()*+,\\\-./:;<=>?@\[\]^_{|}~$\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028"
        r"\u2029\u202f\u205f\u3000\ufffe\ufeff\uffff\u202a-\u202e\u061c\u200e\u200f\u2066-\u2069"
    )
    c = f"[^{not_domain}]"
    domain = (
        rf"(?:(?:{c}(?:[_-]|{c})*)?{c}\.)*(?:(?:{c}(?:-|{c})*)?{c}\.)"
        rf"(?:{tld}|(?i:xn--)[\-0-9a-zA-Z]+)"
    )
    latin = (
        r"\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263"
        r"\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
    )
    marks = r"\u202a-\u202e\u061c\u200e\u200f\u2066-\u2069"
    before = rf"(?:[^A-Za-z0-9@\uff20$#\uff03\ufffe\ufeff\uffff]|[{marks}]|^)"
    path_char = rf"[a-zA-Z\u0400-\u04ff0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{latin}]"
    parens = rf"\((?:{path_char}+|{path_char}*\({path_char}+\){path_char}*)\)"
    return Grammar(before, domain, tld, latin, path_char, parens)


def grapheme_count(segment: str) -> int:
    """User-perceived characters: extended grapheme clusters (UAX #29)."""
    return len(regex.findall(r"\X", segment))
