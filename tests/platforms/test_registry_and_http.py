"""The owner-facing registry, the routing transport and the logging guard: no network."""

from __future__ import annotations

import logging

import requests

from amplifier.platforms._http import RoutingAdapter, is_before_sending, mount_routing
from amplifier.platforms.logging_guard import TOKEN_LOGGERS, silence_token_loggers
from amplifier.platforms.registry import PLATFORMS


def test_registry_describes_each_platform() -> None:
    assert set(PLATFORMS) == {
        "x",
        "mastodon",
        "facebook_pages",
        "threads",
        "linkedin",
        "tumblr",
        "bluesky",
    }
    assert PLATFORMS["x"].label == "X" and "280" in PLATFORMS["x"].max_text
    assert "identical" in PLATFORMS["x"].rules
    assert PLATFORMS["mastodon"].label == "Mastodon" and "500" in PLATFORMS["mastodon"].max_text
    assert "App Review" in PLATFORMS["facebook_pages"].rules
    assert PLATFORMS["bluesky"].label == "Bluesky"
    assert "3,000 bytes" in PLATFORMS["bluesky"].max_text


def test_routing_rewrites_only_the_configured_hosts() -> None:
    adapter = RoutingAdapter(
        timeout=1.0,
        from_bases=("https://api.twitter.com", "https://api.x.com"),
        to_base="http://127.0.0.1:8080/prefix",
    )
    route = adapter._route
    assert (
        route("https://api.twitter.com/2/tweets?x=1") == "http://127.0.0.1:8080/prefix/2/tweets?x=1"
    )
    assert (
        route("https://api.x.com/2/oauth2/token") == "http://127.0.0.1:8080/prefix/2/oauth2/token"
    )
    assert route("https://api.x.community/2/tweets") == "https://api.x.community/2/tweets"
    assert route("https://example.org/") == "https://example.org/"


def test_real_base_is_not_rewritten() -> None:
    session = requests.Session()
    mount_routing(
        session,
        timeout=2.0,
        real_bases=("https://api.twitter.com", "https://api.x.com"),
        target_base="https://api.x.com",
    )
    adapter = session.get_adapter("https://api.twitter.com/2/users/me")
    assert isinstance(adapter, RoutingAdapter)
    assert adapter._route("https://api.twitter.com/2/users/me") == (
        "https://api.twitter.com/2/users/me"
    )


def test_read_timeout_is_not_before_sending() -> None:
    assert is_before_sending(requests.ConnectTimeout())
    assert not is_before_sending(requests.ReadTimeout())


def test_token_loggers_are_silenced() -> None:
    logging.getLogger("tweepy").setLevel(logging.DEBUG)
    silence_token_loggers()
    for name in TOKEN_LOGGERS:
        assert logging.getLogger(name).level == logging.WARNING
