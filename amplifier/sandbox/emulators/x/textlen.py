"""X's weighted length of a post: twitter-text v3, written again for the sandbox.

X ("Counting characters", https://docs.x.com/fundamentals/counting-characters; twitter-text
`config/v3.json`): NFC first; a URL (with or without http(s), on a known TLD) weighs 23; an emoji
sequence twitter-text knows weighs 2; other code points weigh 1 in 0-4351, 8192-8205, 8208-8223,
8242-8247, else 2; limit 280. The emoji sequences are twitter-text 3.1.0's, in `textdata/`.

It imports nothing of the app: it is the second opinion the app's counter is tested against
(tests/sandbox/emulators/test_textlen.py runs both over the same corpus).
"""

from __future__ import annotations

import unicodedata
from functools import cache

import regex

from amplifier.sandbox.kit.linkgrammar import URL_WEIGHT, data_lines, grammar

X_MAX_WEIGHTED_LENGTH = 280

_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


@cache
def _patterns() -> dict[str, regex.Pattern[str]]:
    """twitter-text's link, bare-domain and t.co patterns."""
    gr = grammar()
    g, parens, latin = gr.path_char, gr.parens, gr.latin
    # twitter-text's path unit: characters up to an ending character, or a (balanced) pair
    # alone, or @name/ — its ending rule is spliced in without brackets
    x_unit = rf"(?:{g}*(?:{parens}{g}*)*[+\-a-zA-Z\u0400-\u04ff0-9=_#/{latin}]|{parens}|@{g}+/)"
    x_query = r"\?[a-zA-Z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-zA-Z0-9\-_&=#/]"
    return {
        "x": regex.compile(
            rf"(?P<b>{gr.before})(?P<u>(?P<s>(?i:https?://))?(?P<d>{gr.domain})(?::[0-9]+)?"
            rf"(?P<p>/{x_unit}*)?(?:{x_query})?)",
            regex.V0,
        ),
        "ascii": regex.compile(
            rf"(?:[\-a-zA-Z0-9{latin}]+\.)+(?:{gr.tld}|(?i:xn--)[\-0-9a-zA-Z]+)"
        ),
        "tco": regex.compile(rf"(?i:https?://t\.co/)([a-zA-Z0-9]+)(?:{x_query})?"),
    }


@cache
def _emoji() -> dict[str, list[tuple[str, bool]]]:
    table: dict[str, list[tuple[str, bool]]] = {}
    for line in data_lines("amplifier.sandbox.emulators.x", "twemoji_11_sequences.txt"):
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
