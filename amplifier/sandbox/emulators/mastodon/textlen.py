"""Mastodon's length of a status, written again for the sandbox.

Mastodon (`StatusLengthValidator`; "Instance" entity, characters_reserved_per_url): URLs with a
scheme count as the server's URL length, `@user@domain` as `@user`, then grapheme clusters. The
link grammar is twitter-text's (Mastodon's own path and query rules on top).

It imports nothing of the app: it is the second opinion the app's counter is tested against
(tests/sandbox/emulators/test_textlen.py runs both over the same corpus).
"""

from __future__ import annotations

from functools import cache

import regex

from amplifier.sandbox.kit.linkgrammar import URL_WEIGHT, grammar, grapheme_count


@cache
def _patterns() -> dict[str, regex.Pattern[str]]:
    """Mastodon's link pattern (its own path and query) and its mention pattern."""
    gr = grammar()
    parens, latin = gr.parens, gr.latin
    m = r"[^\s<>()?]"
    m_parens = rf"\((?:{m}+|{m}*\({m}+\){m}*)\)"
    m_end = rf"(?:[^\s()?!*\"'\u300c\u300d<>;:=,.$%\[\]~&|@]|{parens})"
    m_unit = rf"(?:{m}*(?:{m_parens}{m}*)*{m_end}|{m}+/)"
    # RFC 3987 ucschar and iprivate, as Mastodon lists them: each plane but its last two
    planes = "".join(f"\\U{p:04x}0000-\\U{p:04x}fffd" for p in (*range(1, 14), 15, 16))
    uchars = rf"\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\ue000-\uf8ff\U000e1000-\U000efffd{planes}"
    m_query = rf"\?[a-zA-Z0-9!?*'();:&=+$/%#\[\]\-_.,~|@^{uchars}]*[a-zA-Z0-9_&=#/\-{uchars}]"
    schemes = "(?i:(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://)"
    return {
        "mastodon": regex.compile(
            rf"(?P<b>{gr.before})(?P<u>(?P<s>{schemes})?"
            rf"(?P<d>{gr.domain})(?::[0-9]+)?(?:/{m_unit}*)?(?:{m_query})?)",
            regex.MULTILINE,
        ),
        "mention": regex.compile(
            r"(?<![=/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\w.-]+\w+)?", regex.I
        ),
        # after a mention: another @, a Latin accented letter or :// makes it no mention
        "mention_end": regex.compile(rf"[@\uff20{latin}]|://"),
    }


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
