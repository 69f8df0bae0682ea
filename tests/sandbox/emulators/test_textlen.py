"""The sandbox's own text counters (X weighted length, Mastodon characters)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from amplifier.platforms.mastodon import text as app_mastodon_text
from amplifier.platforms.x import text as app_x_text
from amplifier.sandbox.emulators.mastodon.textlen import mastodon_length
from amplifier.sandbox.emulators.x.textlen import x_weighted_length
from amplifier.sandbox.kit.linkgrammar import grapheme_count


def test_x_weights() -> None:
    assert x_weighted_length("hello") == 5
    assert x_weighted_length("café") == 4
    assert x_weighted_length("cafe\u0301") == 4  # NFC first
    assert x_weighted_length("日本") == 4
    assert x_weighted_length("\u2014") == 1  # em dash, in 8208-8223
    assert x_weighted_length("👾") == 2
    assert x_weighted_length("🙋🏽") == 2
    assert x_weighted_length("👨‍👩‍👧‍👦") == 2
    assert x_weighted_length("🇫🇷") == 2
    assert x_weighted_length("❤️") == 2
    assert x_weighted_length("1️⃣") == 2


def test_x_urls_count_23() -> None:
    assert x_weighted_length("https://example.com/" + "a" * 100) == 23
    assert x_weighted_length("see example.com.") == 4 + 23 + 1
    assert x_weighted_length("go to https://x.com/a, now") == 6 + 23 + 5
    assert x_weighted_length("an e.g. abbreviation") == 20


def test_mastodon_counting() -> None:
    assert mastodon_length("hello") == 5
    assert mastodon_length("http://example.com/" + "a" * 100) == 23
    assert mastodon_length("hi @bob@example.social") == len("hi @bob")
    assert mastodon_length("example.com") == 11  # only http(s) URLs are shortened
    assert grapheme_count("👨‍👩‍👧‍👦") == 1
    assert grapheme_count("e\u0301") == 1
    assert grapheme_count("🇫🇷🇩🇪") == 2


# ---------------------------------------------------------------- issue 8: the platforms' rules

_CORPUS = Path(__file__).parents[2] / "platforms" / "data" / "x_weighted_corpus.json"


def _corpus() -> list[tuple[str, int]]:
    doc = json.loads(_CORPUS.read_text(encoding="utf-8"))
    return [(text, length) for text, length in doc["cases"]]


def test_sandbox_and_app_agree_with_twitter_text_on_the_corpus() -> None:
    """Both X counters over the same corpus: each equals the official twitter-text 3.1.0."""
    cases = _corpus()
    sandbox_wrong = [(t, e, x_weighted_length(t)) for t, e in cases if x_weighted_length(t) != e]
    app_wrong = [(t, e) for t, e in cases if app_x_text.weighted_length(t) != e]
    assert sandbox_wrong == [] and app_wrong == []


def test_sandbox_and_app_count_mastodon_alike_on_the_corpus() -> None:
    """The two Mastodon counters (written apart) agree on every text of the corpus."""
    differ = [
        (t, app_mastodon_text.length(t), mastodon_length(t))
        for t, _ in _corpus()
        if app_mastodon_text.length(t) != mastodon_length(t)
    ]
    assert differ == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("foo.bar", 23),
        ("example.ngo", 23),
        ("bit.ly", 23),
        ("a\u200db", 3),
        ("https://en.wikipedia.org/wiki/Rome_(disambiguation)", 23),
    ],
)
def test_sandbox_x_named_cases(text: str, expected: int) -> None:
    assert x_weighted_length(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@User.Name@example.social", len("@User.Name")),  # the username part only
        ("hi @alice@mastodon.social!", len("hi @alice!")),
        ("mail@alice@x.org@", 17),  # followed by @: no mention
        ("see https://en.wikipedia.org/wiki/Rome_(disambiguation)", 4 + 23),
        ("(https://example.org/x)", 1 + 23 + 1),
        ("\u1100\u1161\u11a8", 1),  # conjoining jamo: one syllable
        ("\u1100\u1161\u11a8\u1100\u1161", 2),
        ("https://localhost/x", 19),  # no known TLD: not a link
    ],
)
def test_sandbox_mastodon_named_cases(text: str, expected: int) -> None:
    assert mastodon_length(text) == expected
    assert app_mastodon_text.length(text) == expected


def test_sandbox_mastodon_uses_its_url_length_and_counts_the_spoiler() -> None:
    assert mastodon_length("go https://example.org/" + "a" * 80, url_length=40) == 3 + 40
    assert mastodon_length("hello", spoiler="CW: ") == 9
