"""Bluesky's text rule (300 graphemes, 3,000 bytes), facets in UTF-8 bytes, and record keys."""

from __future__ import annotations

from typing import Any

from amplifier.platforms.bluesky import text
from amplifier.platforms.registry import declaration


def test_300_graphemes_fit_and_301_do_not() -> None:
    assert text.text_problems("a" * 300) == []
    [problem] = text.text_problems("a" * 301)
    assert "301" in problem and "300" in problem


def test_a_family_emoji_is_one_grapheme_of_many_bytes() -> None:
    family = "👨‍👩‍👧‍👦"  # 7 code points, 25 bytes, one grapheme
    assert text.grapheme_count(family) == 1 and len(family.encode()) == 25
    assert text.text_problems(family * 120) == []  # 120 graphemes, 3,000 bytes
    [problem] = text.text_problems(family * 121)  # 121 graphemes but 3,025 bytes
    assert "3,025 bytes" in problem and "3,000" in problem


def test_non_latin_scripts_count_graphemes_not_code_points() -> None:
    hindi = "नमस्ते "  # 7 code points, 4 graphemes (the vowel signs and virama join)
    assert text.grapheme_count(hindi) == 4 and len(hindi) == 7
    fits = hindi * 75  # 300 graphemes, 525 code points, 1,275 bytes
    assert text.grapheme_count(fits) == 300 and len(fits) > 300
    assert text.text_problems(fits) == []
    assert text.text_problems(fits + "न")


def test_empty_text_is_refused() -> None:
    assert text.text_problems("  \n")


def test_link_and_tag_facets_count_utf8_bytes_after_emoji_and_cjk() -> None:
    message = "🎉 图书馆 open late! https://example.org/library?x=1. #LibraryLate"
    facets = text.facets(message)
    assert [f["features"][0]["$type"] for f in facets] == [
        "app.bsky.richtext.facet#link",
        "app.bsky.richtext.facet#tag",
    ]
    link, tag = facets
    assert text.facet_text(message, link) == "https://example.org/library?x=1"
    assert link["features"][0]["uri"] == "https://example.org/library?x=1"
    assert link["index"]["byteStart"] == len("🎉 图书馆 open late! ".encode())
    assert text.facet_text(message, tag) == "#LibraryLate"
    assert tag["features"][0]["tag"] == "LibraryLate"


def test_mentions_become_facets_only_when_the_handle_resolves() -> None:
    message = "Ça va @alice.bsky.social et @nobody.example.com ?"
    dids = {"alice.bsky.social": "did:plc:abcdefghijklmnopqrstuvwx"}
    [mention] = text.facets(message, dids.get)
    assert text.facet_text(message, mention) == "@alice.bsky.social"
    assert mention["features"][0] == {
        "$type": "app.bsky.richtext.facet#mention",
        "did": "did:plc:abcdefghijklmnopqrstuvwx",
    }
    assert text.mentioned_handles(message) == ["alice.bsky.social", "nobody.example.com"]


def test_an_email_address_is_no_mention_and_digits_are_no_tag() -> None:
    assert text.find_spans("write to me@example.org about #2025 now") == []


def test_record_keys_are_tids_and_the_same_for_the_same_delivery() -> None:
    key = text.tid_for_key("amplifier-42")
    assert text.TID_RE.match(key)
    assert key == text.tid_for_key("amplifier-42") != text.tid_for_key("amplifier-43")
    assert text.tid(0, 0) == "2222222222222"


def test_the_declaration_counts_as_the_text_rule() -> None:
    bluesky = declaration("bluesky")
    assert bluesky.text_problems("é" * 300) == []
    assert bluesky.text_problems("é" * 301)


def test_ratelimit_headers_tell_the_hosts_window_from_the_accounts() -> None:
    from amplifier.platforms.bluesky.answers import bluesky_rate_windows

    host = {"ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": "2000000000",
            "ratelimit-policy": "3000;w=300"}  # fmt: skip
    [window] = bluesky_rate_windows(429, host)
    assert window.shared and window.exhausted and window.limit == 3000
    account = {**host, "ratelimit-limit": "5000", "ratelimit-remaining": "12",
               "ratelimit-policy": "5000;w=3600"}  # fmt: skip
    [window] = bluesky_rate_windows(200, account)
    assert not window.shared and not window.exhausted
    assert bluesky_rate_windows(200, {}) == []


def test_thousands_of_supporters_on_one_pds_warn_the_owner() -> None:
    """Bluesky's per-host window (2,700 posts per 5 minutes by default) paces a big release."""
    from amplifier.release.limits.capacity import capacity_warnings
    from config.settings import Settings

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    from amplifier.release.limits.policy import policy_for

    def policies(key: Any) -> Any:
        return policy_for(key, settings)

    assert capacity_warnings({"bluesky": 2_000}, release_window_s=60, policies=policies) == []
    [warning] = capacity_warnings({"bluesky": 10_000}, release_window_s=60, policies=policies)
    assert "Bluesky" in warning
