"""The sandbox's own text counters (X weighted length, Mastodon characters)."""

from __future__ import annotations

from amplifier.sandbox.textlen import grapheme_count, mastodon_length, x_weighted_length


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
