"""How long a post is, by each platform's own count: the sandbox's own implementation.

It imports nothing of the app: it is the second opinion the app's counters are tested against
(tests/sandbox/test_textlen.py runs both over the same corpus). What it shares with the app is
the platforms' published data only — twitter-text's TLD list and the emoji sequences
twitter-text 3.1.0 recognises, in its own copies under `textdata/` — and the `regex` library's
grapheme clusters (UAX #29, a maintained implementation of the Unicode rule: writing our own
would be the likelier mistake). The URL grammar and the counting walk are written here again.

X ("Counting characters", https://docs.x.com/fundamentals/counting-characters; twitter-text
`config/v3.json`): NFC first; a URL (with or without http(s), on a known TLD) weighs 23; an emoji
sequence twitter-text knows weighs 2; other code points weigh 1 in 0-4351, 8192-8205, 8208-8223,
8242-8247, else 2; limit 280.

Mastodon (`StatusLengthValidator`; "Instance" entity, characters_reserved_per_url): URLs with a
scheme count as the server's URL length, `@user@domain` as `@user`, then grapheme clusters.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

import regex

X_MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23

_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def _data(name: str) -> list[str]:
    text = resources.files("amplifier.sandbox.kit").joinpath("textdata", name).read_text("utf-8")
    return [ln for ln in text.splitlines() if ln and not ln.startswith("#")]


def _alternatives(names: list[str]) -> str:
    return "|".join(regex.escape(name) for name in names)


@cache
def _patterns() -> dict[str, regex.Pattern[str]]:
    """The URL grammar (twitter-text's, with Mastodon's own path and query) as `regex` patterns."""
    gtlds = [ln.split("\t")[1] for ln in _data("twitter_text_tlds.txt") if ln.startswith("g")]
    cctlds = [ln.split("\t")[1] for ln in _data("twitter_text_tlds.txt") if ln.startswith("c")]
    end = r"(?=[^0-9a-zA-Z@+\-]|\Z)"
    tld = rf"(?i:(?:{_alternatives(gtlds)}){end}|(?:{_alternatives(cctlds)}){end})"
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
    g = rf"[a-zA-Z\u0400-\u04ff0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{latin}]"
    parens = rf"\((?:{g}+|{g}*\({g}+\){g}*)\)"
    # twitter-text's path unit: characters up to an ending character, or a (balanced) pair
    # alone, or @name/ — its ending rule is spliced in without brackets
    x_unit = rf"(?:{g}*(?:{parens}{g}*)*[+\-a-zA-Z\u0400-\u04ff0-9=_#/{latin}]|{parens}|@{g}+/)"
    x_query = r"\?[a-zA-Z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-zA-Z0-9\-_&=#/]"
    m = r"[^\s<>()?]"
    m_parens = rf"\((?:{m}+|{m}*\({m}+\){m}*)\)"
    m_end = rf"(?:[^\s()?!*\"'\u300c\u300d<>;:=,.$%\[\]~&|@]|{parens})"
    m_unit = rf"(?:{m}*(?:{m_parens}{m}*)*{m_end}|{m}+/)"
    # RFC 3987 ucschar and iprivate, as Mastodon lists them: each plane but its last two
    planes = "".join(f"\\U{p:04x}0000-\\U{p:04x}fffd" for p in (*range(1, 14), 15, 16))
    uchars = rf"\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\ue000-\uf8ff\U000e1000-\U000efffd{planes}"
    m_query = rf"\?[a-zA-Z0-9!?*'();:&=+$/%#\[\]\-_.,~|@^{uchars}]*[a-zA-Z0-9_&=#/\-{uchars}]"
    return {
        "x": regex.compile(
            rf"(?P<b>{before})(?P<u>(?P<s>(?i:https?://))?(?P<d>{domain})(?::[0-9]+)?"
            rf"(?P<p>/{x_unit}*)?(?:{x_query})?)",
            regex.V0,
        ),
        "ascii": regex.compile(rf"(?:[\-a-zA-Z0-9{latin}]+\.)+(?:{tld}|(?i:xn--)[\-0-9a-zA-Z]+)"),
        "tco": regex.compile(rf"(?i:https?://t\.co/)([a-zA-Z0-9]+)(?:{x_query})?"),
        "mastodon": regex.compile(
            rf"(?P<b>{before})(?P<u>(?P<s>(?i:(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://))?"
            rf"(?P<d>{domain})(?::[0-9]+)?(?:/{m_unit}*)?(?:{m_query})?)",
            regex.MULTILINE,
        ),
        "mention": regex.compile(
            r"(?<![=/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\w.-]+\w+)?", regex.I
        ),
        # after a mention: another @, a Latin accented letter or :// makes it no mention
        "mention_end": regex.compile(rf"[@\uff20{latin}]|://"),
    }


@cache
def _emoji() -> dict[str, list[tuple[str, bool]]]:
    table: dict[str, list[tuple[str, bool]]] = {}
    for line in _data("twemoji_11_sequences.txt"):
        hexes = line.split()
        guarded = hexes[-1] == "!FE0E"
        seq = "".join(chr(int(h, 16)) for h in hexes if h != "!FE0E")
        table.setdefault(seq[0], []).append((seq, guarded))
    for entries in table.values():
        entries.sort(key=lambda e: len(e[0]), reverse=True)
    return table


def _punycode_len(label: str) -> int:
    total = 0
    for part in regex.split("[.\u3002\uff0e\uff61]", label):
        plain = all(" " <= ch <= "~" for ch in part)
        total += len(part) if plain else 4 + len(part.encode("punycode"))
    return total + len(regex.findall("[.\u3002\uff0e\uff61]", label))


def _x_links(text: str) -> dict[int, int]:
    """{start: characters to skip} of every link twitter-text finds in `text`."""
    pats = _patterns()
    links: dict[int, int] = {}
    if "." not in text:
        return links
    for m in pats["x"].finditer(text):
        url, dom, b = m["u"], m["d"], m["b"]
        lead = chr(0xDC00 + ((ord(b) - 0x10000) & 0x3FF)) if b and ord(b) > 0xFFFF else ""
        # twitter-text (UTF-16) gives the low half of an astral character before a bare
        # domain to the domain itself
        checked = lead + dom
        if checked.startswith("xn--") and not pats["ascii"].search(checked):
            continue
        if any(not 1 <= _punycode_len(lab) <= 63 for lab in checked.split(".")):
            continue
        utf16 = len(lead + url) + sum(ord(ch) > 0xFFFF for ch in url)
        if len(m["s"] or "https://") + utf16 > 4096:
            continue
        if m["s"]:
            tco = pats["tco"].match(url)
            if tco and len(tco[1]) > 40:
                continue
            links[m.start("u")] = len(tco[0]) if tco else len(url)
            continue
        if b[-1:] in "-_./" and b:
            continue
        found = list(pats["ascii"].finditer(dom))
        for a in found:
            links[m.start("u") + a.start()] = len(a[0])
        if found and m["p"] is not None:
            last = found[-1]
            links[m.start("u") + last.start()] = len(url) - len(dom) + len(last[0])
    return links


def x_weighted_length(text: str) -> int:
    """The weighted length twitter-text v3 gives ``text`` (what X compares with 280)."""
    text = unicodedata.normalize("NFC", text)
    links = _x_links(text)
    emoji = _emoji()
    total, i = 0, 0
    while i < len(text):
        if i in links:
            total, i = total + URL_WEIGHT, i + max(1, links[i])
            continue
        for seq, guarded in emoji.get(text[i], ()):
            after = i + len(seq)
            if text.startswith(seq, i) and not (guarded and text[after : after + 1] == "\ufe0e"):
                total, i = total + 2, after
                break
        else:
            cp = ord(text[i])
            total += 1 if any(lo <= cp <= hi for lo, hi in _LIGHT) else 2
            i += 1
    return total


def grapheme_count(segment: str) -> int:
    """User-perceived characters: extended grapheme clusters (UAX #29)."""
    return len(regex.findall(r"\X", segment))


def mastodon_length(text: str, *, url_length: int = URL_WEIGHT, spoiler: str = "") -> int:
    """Characters Mastodon counts toward ``max_characters`` (the spoiler counts too)."""
    pats = _patterns()
    spans: list[tuple[int, int, str]] = []
    for m in pats["mastodon"].finditer(text if ":" in text else ""):
        url = m["u"]
        if not m["s"]:
            continue  # a match without a scheme is no link for Mastodon, and is passed over
        tco = regex.match(r"(?i:https?://t\.co/)([a-zA-Z0-9]+)", url)
        if tco:
            if len(tco[1]) > 40:
                continue
            url = tco[0]
        try:
            m["d"].encode("idna")
        except UnicodeError:
            continue
        if len(url) <= 4096:
            spans.append((m.start("u"), m.start("u") + len(url), "x" * url_length))
    spans += [
        (m.start(), m.end(), "@" + m[1])
        for m in pats["mention"].finditer(text)
        if not pats["mention_end"].match(text, m.end())
    ]
    spans.sort()
    out, pos = [spoiler], 0
    for start, end, replacement in spans:
        if start >= pos:
            out += [text[pos:start], replacement]
            pos = end
    out.append(text[pos:])
    return grapheme_count("".join(out))
