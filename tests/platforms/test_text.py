"""Text rules: pure functions, no network."""

from __future__ import annotations

import pytest

from amplifier.platforms.mastodon.text import length as mastodon_length
from amplifier.platforms.mastodon.text import text_problems as mastodon_text_problems
from amplifier.platforms.text import graphemes
from amplifier.platforms.x.text import MAX_WEIGHTED_LENGTH as X_MAX_WEIGHTED
from amplifier.platforms.x.text import text_problems as x_text_problems
from amplifier.platforms.x.text import weighted_length as x_weighted_length


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", 5),
        ("", 0),
        ("café", 4),
        ("cafe\u0301", 4),  # NFC folds e + combining acute into é
        ("q\u0307", 2),  # no precomposed form: the combining mark keeps its own weight (1)
        ("a\u0308\u0323", 3),  # NFC: ạ (U+1EA1, weight 2) + combining diaeresis (1)
        ("日本語", 6),  # CJK weighs 2
        ("한국어", 6),
        ("\u2019", 1),  # right single quotation mark: inside 8208-8223
        ("\u2026", 2),  # ellipsis (8230) is outside the light ranges
        ("👍", 2),
        ("👍🏽", 2),  # skin tone modifier: still one emoji
        ("👨\u200d👩\u200d👧\u200d👦", 2),  # ZWJ family
        ("🇫🇷", 2),  # flag: two regional indicators
        ("1\ufe0f\u20e3", 2),  # keycap
        ("❤\ufe0f", 2),
        ("hi 👋 there", 11),
    ],
)
def test_x_weighted_length_characters(text: str, expected: int) -> None:
    assert x_weighted_length(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://example.com", 23),
        ("see https://example.com/a/very/long/path?with=query&and=more.", 4 + 23 + 1),
        ("http://a.org/x and https://b.org/y", 23 + 5 + 23),
        ("visit example.com now", 6 + 23 + 4),
        ("news.bbc.co.uk", 23),
        ("bit.ly/abc", 23),
        ("bit.ly", 23),  # twitter-text 3.1.0 links a bare country-code domain too
        ("Mr.Smith and e.g. this", 22),
        ("me@example.com", 14),  # an address, not a link
        ("(https://example.org/x)", 1 + 23 + 1),
        ("http://localhost", 16),  # no TLD: not a link
    ],
)
def test_x_weighted_length_urls(text: str, expected: int) -> None:
    assert x_weighted_length(text) == expected


def test_x_limit_boundary() -> None:
    assert x_weighted_length("a" * 280) == X_MAX_WEIGHTED
    assert x_text_problems("a" * 280) == []
    assert x_text_problems("a" * 279 + "日") == [
        "X allows 280 weighted characters (URLs count as 23); this text has 281: shorten it by 1."
    ]
    assert x_text_problems("日" * 140) == []


def test_x_long_url_counts_23_so_text_fits() -> None:
    text = "a" * 256 + " https://example.com/" + "p" * 200
    assert x_weighted_length(text) == 280
    assert x_text_problems(text) == []


def test_x_problems_message_and_empty() -> None:
    assert x_text_problems("a" * 301) == [
        "X allows 280 weighted characters (URLs count as 23); this text has 301: shorten it by 21."
    ]
    assert x_text_problems("   ")[0].startswith("empty text")
    assert "U+202E" in x_text_problems("abc\u202edef")[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", 5),
        ("日本語", 3),
        ("👨\u200d👩\u200d👧\u200d👦", 1),
        ("👍🏽", 1),
        ("🇫🇷🇩🇪", 2),
        ("e\u0301", 1),
        ("go https://example.com/" + "x" * 100, 3 + 23),
        ("example.com", 11),  # Mastodon only shortens URLs with a scheme
        ("@alice@mastodon.social hi", len("@alice hi")),
        ("hi @bob", 7),
        ("mail me@example.com", 19),
    ],
)
def test_mastodon_length(text: str, expected: int) -> None:
    assert mastodon_length(text) == expected


def test_mastodon_url_length_follows_instance() -> None:
    assert mastodon_length("https://example.com/abc", url_length=30) == 30


def test_mastodon_problems() -> None:
    assert mastodon_text_problems("x" * 500) == []
    assert mastodon_text_problems("x" * 501) == [
        "This Mastodon server allows 500 characters (URLs count as 23); this text has 501: "
        "shorten it by 1."
    ]
    assert mastodon_text_problems("x" * 501, max_characters=1000) == []
    assert mastodon_text_problems("")[0].startswith("empty text")


def test_graphemes_crlf_and_marks() -> None:
    assert list(graphemes("a\r\nb")) == ["a", "\r\n", "b"]
    assert list(graphemes("n\u0303o")) == ["n\u0303", "o"]
