"""Properties of each platform's text rule (amplifier/platforms/text.py), checked by hypothesis
on generated text rather than on hand-picked examples."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from amplifier.platforms.mastodon.text import DEFAULT_URL_LENGTH as MASTODON_URL_LENGTH
from amplifier.platforms.mastodon.text import length as mastodon_length
from amplifier.platforms.mastodon.text import text_problems as mastodon_text_problems
from amplifier.platforms.textdata import twemoji_sequences
from amplifier.platforms.x.text import MAX_WEIGHTED_LENGTH as X_MAX_WEIGHTED
from amplifier.platforms.x.text import TRANSFORMED_URL_LENGTH as X_URL_LENGTH
from amplifier.platforms.x.text import text_problems as x_text_problems
from amplifier.platforms.x.text import weighted_length as x_weighted_length

_props = settings(max_examples=150, deadline=None)  # per test: other modules keep their own

# Letters and digits of every script, but nothing that could make a URL (no . : /), a mention
# (no @), or join the next cluster (no combining marks, joiners, selectors, conjoining jamo).
_JAMO = [chr(c) for c in (*range(0x1100, 0x1200), *range(0xD7B0, 0xD800))]
plain_char = st.characters(
    categories=("Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No"), exclude_characters=_JAMO
)
plain = st.text(plain_char, max_size=40)
url_path = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/=&%~"),
    max_size=60,
)
# A path ends in a letter: twitter-text and Mastodon both leave trailing punctuation such as
# `&`, `=` or `.` out of a link (checked against the official twitter-text in test_x_text.py).
url = st.builds(
    lambda scheme, host, tld, path: f"{scheme}://{host}.{tld}/{path}x",
    st.sampled_from(["http", "https", "HTTPS"]),
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True),
    st.sampled_from(["com", "org", "social", "de", "io"]),
    url_path,
)
# Emoji sequences X counts as one (twitter-text's list), without those that start with a
# modifier or joiner (which would attach to the character before them).
_NON_STARTERS = {"\ufe0f", "\u200d", "\u20e3", *map(chr, range(0x1F3FB, 0x1F400))}
emoji = st.sampled_from(
    sorted(s.text for s in twemoji_sequences() if s.text[0] not in _NON_STARTERS)
)


# ------------------------------------------------------------------------------- X


@_props
@given(plain, plain)
def test_x_length_is_additive_over_a_space(a: str, b: str) -> None:
    assert x_weighted_length(f"{a} {b}") == x_weighted_length(a) + 1 + x_weighted_length(b)


@_props
@given(st.lists(plain_char, max_size=60))
def test_x_weighs_each_plain_character_1_or_2(chars: list[str]) -> None:
    text = unicodedata.normalize("NFC", "".join(chars))
    assert len(text) <= x_weighted_length(text) <= 2 * len(text)


@_props
@given(url)
def test_x_counts_any_url_as_23(link: str) -> None:
    assert x_weighted_length(link) == X_URL_LENGTH


@_props
@given(plain, url, plain)
def test_x_counts_a_url_in_text_as_23(a: str, link: str, b: str) -> None:
    text = f"{a} {link} {b}"
    assert x_weighted_length(text) == x_weighted_length(a) + 2 + X_URL_LENGTH + (
        x_weighted_length(b)
    )


@_props
@given(st.text(max_size=80))
def test_x_count_does_not_depend_on_the_normal_form(text: str) -> None:
    """Canonically equivalent spellings (precomposed or with combining marks) count alike."""
    expected = x_weighted_length(text)
    assert x_weighted_length(unicodedata.normalize("NFD", text)) == expected
    assert x_weighted_length(unicodedata.normalize("NFC", text)) == expected


@_props
@given(plain, emoji, plain)
def test_x_counts_an_emoji_as_2(a: str, symbol: str, b: str) -> None:
    assert x_weighted_length(symbol) == 2
    text = f"{a} {symbol} {b}"
    assert x_weighted_length(text) == x_weighted_length(a) + 2 + 2 + x_weighted_length(b)


_long = st.one_of(
    st.text(max_size=400),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=4), st.integers(0, 300)),
    st.builds(" ".join, st.lists(st.one_of(plain, url, emoji), max_size=40)),
    # weighted lengths right at X's limit, so an off-by-one cannot hide
    st.builds(
        lambda prefix, n: prefix + " " + "a" * max(0, n - x_weighted_length(prefix) - 1),
        st.one_of(url, emoji, plain),
        st.integers(X_MAX_WEIGHTED - 2, X_MAX_WEIGHTED + 2),
    ),
)


@_props
@given(_long)
def test_x_problems_are_empty_iff_the_text_fits_and_is_not_blank(text: str) -> None:
    invalid = any(ch in "\ufffe\ufeff\uffff\u202a\u202b\u202c\u202d\u202e" for ch in text)
    fits = x_weighted_length(text) <= X_MAX_WEIGHTED
    assert (x_text_problems(text) == []) == (bool(text.strip()) and fits and not invalid)


# ------------------------------------------------------------------------------- Mastodon


@_props
@given(plain, plain)
def test_mastodon_length_is_additive_over_a_space(a: str, b: str) -> None:
    assert mastodon_length(f"{a} {b}") == mastodon_length(a) + 1 + mastodon_length(b)


@_props
@given(st.lists(plain_char, max_size=60))
def test_mastodon_counts_plain_characters_one_each(chars: list[str]) -> None:
    assert mastodon_length("".join(chars)) == len(chars)


@_props
@given(plain, url, plain, st.integers(1, 100))
def test_mastodon_counts_a_url_as_the_servers_url_length(
    a: str, link: str, b: str, url_length: int
) -> None:
    assert mastodon_length(link) == MASTODON_URL_LENGTH
    text = f"{a} {link} {b}"
    assert mastodon_length(text, url_length=url_length) == (
        mastodon_length(a) + 2 + url_length + mastodon_length(b)
    )


@_props
@given(plain, emoji, plain)
def test_mastodon_counts_an_emoji_as_one_grapheme(a: str, symbol: str, b: str) -> None:
    assert mastodon_length(symbol) == 1
    assert mastodon_length(f"{a} {symbol} {b}") == mastodon_length(a) + 3 + mastodon_length(b)


@_props
@given(
    st.from_regex(r"[a-z0-9_]{1,20}", fullmatch=True),
    st.from_regex(r"[a-z]{1,10}(\.[a-z]{2,6}){1,2}", fullmatch=True),
)
def test_mastodon_counts_a_remote_mention_as_the_local_part(user: str, domain: str) -> None:
    assert mastodon_length(f"hi @{user}@{domain}") == 3 + 1 + len(user)


@_props
@given(_long, st.integers(-2, 2), st.integers(1, 1000))
def test_mastodon_problems_are_empty_iff_the_text_fits_and_is_not_blank(
    text: str, near: int, anywhere: int
) -> None:
    # limits right around the text's length (an off-by-one cannot hide), and anywhere
    for limit in (max(1, mastodon_length(text) + near), anywhere):
        _check_mastodon_problems(text, limit)


def _check_mastodon_problems(text: str, limit: int) -> None:
    fits = mastodon_length(text) <= limit
    assert (mastodon_text_problems(text, limit) == []) == (bool(text.strip()) and fits)
