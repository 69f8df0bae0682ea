"""The URL grammar both platforms count by, as compiled regular expressions.

Why one module for two platforms: X (twitter-text 3.1.0) and Mastodon (which runs twitter-text's
Ruby extractor with its own path and query rules, `config/initializers/twitter_regex.rb`) share
the same domain grammar — labels of any characters but punctuation and spaces, ending in a
top-level domain from twitter-text's list or a punycode label — and differ in the schemes, the
path and the query they accept. A URL is a link only if its domain ends in a TLD twitter-text
knows (every IANA TLD of 2020, `textdata/twitter_text_tlds.txt`): `foo.bar` and `example.ngo` are
links, `localhost` and `example.invalid` are not.

The patterns carry named groups `before` (the character just before the URL, or nothing at the
start), `url`, `protocol`, `domain`, `port`, `path` and `query`. They are written from
twitter-text's documented grammar; JavaScript's `$` (end of input only) is `\\Z` here.
"""

from __future__ import annotations

import re
from functools import cache

from .textdata import twitter_text_tlds

# Character groups, as the bodies of character classes.
PUNCTUATION = r"!'#%&()*+,\\\-./:;<=>?@\[\]^_{|}~$"
SPACES = r"\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
INVALID = r"\ufffe\ufeff\uffff"
DIRECTIONAL = r"\u202a-\u202e\u061c\u200e\u200f\u2066-\u2069"
LATIN_ACCENTS = (
    r"\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263"
    r"\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
CYRILLIC = r"\u0400-\u04ff"

_DOMAIN_CHAR = f"[^{PUNCTUATION}{SPACES}{INVALID}{DIRECTIONAL}]"
_SUBDOMAIN = f"(?:(?:{_DOMAIN_CHAR}(?:[_-]|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\.)"
_DOMAIN_NAME = f"(?:(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\.)"
PUNYCODE = r"(?:(?i:xn--)[\-0-9a-zA-Z]+)"
_TLD_END = r"(?=[^0-9a-zA-Z@+-]|\Z)"

# The character before a URL: anything but a letter, digit, @, $ or # (so `a.com` inside
# `me@a.com` or `$a.com` is no link), or a directional mark, or the start of the text.
PRECEDING = f"(?:[^A-Za-z0-9@\uff20$#\uff03{INVALID}]|[{DIRECTIONAL}]|^)"


def _alternation(names: tuple[str, ...]) -> str:
    return "|".join(re.escape(n) for n in names)


@cache
def tld_pattern() -> str:
    """A generic or country TLD, in twitter-text's order, followed by a non-label character."""
    tlds = twitter_text_tlds()
    return (
        f"(?:(?i:(?:{_alternation(tlds.generic)}){_TLD_END})"
        f"|(?i:(?:{_alternation(tlds.country)}){_TLD_END}))"
    )


@cache
def domain_pattern() -> str:
    """Subdomains, a domain name and a TLD (or a punycode label)."""
    return f"(?:{_SUBDOMAIN}*{_DOMAIN_NAME}(?:{tld_pattern()}|{PUNYCODE}))"


@cache
def ascii_domain_re() -> re.Pattern[str]:
    """The domains without a scheme twitter-text links: ASCII and Latin letters only."""
    return re.compile(f"(?:[\\-a-zA-Z0-9{LATIN_ACCENTS}]+\\.)+(?:{tld_pattern()}|{PUNYCODE})")


# ------------------------------------------------------------------ X (twitter-text 3.1.0)

_X_PATH_CHAR = f"[a-zA-Z{CYRILLIC}0-9!*';:=+,.$/%#\\[\\]\\-\u2013_~@|&{LATIN_ACCENTS}]"
_X_PARENS = f"(?:\\((?:{_X_PATH_CHAR}+|(?:{_X_PATH_CHAR}*\\({_X_PATH_CHAR}+\\){_X_PATH_CHAR}*))\\))"
_X_PATH_END_CHAR = f"[+\\-a-zA-Z{CYRILLIC}0-9=_#/{LATIN_ACCENTS}]"
# twitter-text splices its path-ending rule ("an ending character, or balanced parentheses")
# into the path without brackets, so its alternation splits the whole path unit: a unit is
# path characters ending in an ending character, OR one balanced pair of parentheses alone,
# OR @name/. That is why `/_@][(b_c)` is a path of `/_` only.
_X_PATH = (
    f"(?:{_X_PATH_CHAR}*(?:{_X_PARENS}{_X_PATH_CHAR}*)*{_X_PATH_END_CHAR}"
    f"|{_X_PARENS}|@{_X_PATH_CHAR}+/)"
)
X_QUERY_CHAR = r"[a-zA-Z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
X_QUERY_END = r"[a-zA-Z0-9\-_&=#/]"


@cache
def x_url_re() -> re.Pattern[str]:
    """twitter-text's URL extractor: an optional http(s) scheme, a domain, port, path, query."""
    return re.compile(
        f"(?P<before>{PRECEDING})"
        "(?P<url>"
        "(?P<protocol>(?i:https?://))?"
        f"(?P<domain>{domain_pattern()})"
        "(?::(?P<port>[0-9]+))?"
        f"(?P<path>/{_X_PATH}*)?"
        f"(?P<query>\\?{X_QUERY_CHAR}*{X_QUERY_END})?"
        ")"
    )


X_TCO_RE = re.compile(
    f"(?i:https?://t\\.co/)(?P<slug>[a-zA-Z0-9]+)(?:\\?{X_QUERY_CHAR}*{X_QUERY_END})?"
)


# ------------------------------------------------------------------ Mastodon

# Mastodon replaces twitter-text's path characters with "anything but spaces, <, >, ( ) and ?";
# its path-ending characters keep twitter-text's own balanced parentheses.
_M_PATH_CHAR = r"[^\s<>()?]"
_M_PARENS = f"(?:\\((?:{_M_PATH_CHAR}+|(?:{_M_PATH_CHAR}*\\({_M_PATH_CHAR}+\\){_M_PATH_CHAR}*))\\))"
_M_PATH_END = "(?:[^\\s()?!*\"'\u300c\u300d<>;:=,.$%\\[\\]~&|@]|" + _X_PARENS + ")"
_M_PATH = (
    f"(?:(?:{_M_PATH_CHAR}*(?:{_M_PARENS}{_M_PATH_CHAR}*)*{_M_PATH_END})|(?:{_M_PATH_CHAR}+/))"
)
_UCHARS = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0002fffd"
    "\U00030000-\U0003fffd\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
    "\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd\U000a0000-\U000afffd"
    "\U000b0000-\U000bfffd\U000c0000-\U000cfffd\U000d0000-\U000dfffd\U000e1000-\U000efffd"
    "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
)
_M_QUERY_CHAR = f"[a-zA-Z0-9!?*'();:&=+$/%#\\[\\]\\-_.,~|@^{_UCHARS}]"
_M_QUERY_END = f"[a-zA-Z0-9_&=#/\\-{_UCHARS}]"


@cache
def mastodon_url_re() -> re.Pattern[str]:
    """The URLs Mastodon counts as `characters_reserved_per_url` (only those with a scheme)."""
    return re.compile(
        f"(?P<before>{PRECEDING})"
        "(?P<url>"
        "(?P<protocol>(?i:(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://))?"
        f"(?P<domain>{domain_pattern()})"
        "(?::(?P<port>[0-9]+))?"
        f"(?P<path>/{_M_PATH}*)?"
        f"(?P<query>\\?{_M_QUERY_CHAR}*{_M_QUERY_END})?"
        ")",
        re.MULTILINE,  # Ruby's ^ matches after every newline
    )


MASTODON_TCO_RE = re.compile(r"(?i:https?://t\.co/)(?P<slug>[a-zA-Z0-9]+)")
