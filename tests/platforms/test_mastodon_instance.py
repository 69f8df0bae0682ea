"""Issue 8: the Mastodon instance's own facts (URL length, account domain) and Retry-After.

Against the sandbox over real HTTP; the instance facts also through Connectors with a migrated
SQLite database, as the web app builds its adapters.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from amplifier.crypto import TokenCipher, generate_fernet_key
from amplifier.db import Database, upgrade
from amplifier.models import MastodonApp
from amplifier.platforms.base import RateLimited
from amplifier.platforms.mastodon import MastodonAdapter, fetch_instance_facts
from amplifier.platforms.mastodon.facts import (
    InstanceFacts,
    parse_instance,
    rate_limit_reset,
    retry_after,
)
from amplifier.pledges.connectors import Connectors
from config.settings import Settings

from .helpers import admin, consent
from .test_mastodon_adapter import connect, make_adapter

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


# ---------------------------------------------------------------- what the server says


def test_parse_v2_instance() -> None:
    body = {
        "domain": "Example.org",
        "configuration": {"statuses": {"max_characters": 1000, "characters_reserved_per_url": 30}},
    }
    assert parse_instance(body) == InstanceFacts(1000, 30, "example.org")


def test_parse_v1_instance_and_forks() -> None:
    assert parse_instance({"uri": "old.example", "max_toot_chars": 5000}) == InstanceFacts(
        5000, 23, "old.example"
    )
    assert parse_instance({"uri": "x"}) is None  # no limit given: the caller keeps defaults


@pytest.mark.parametrize(
    "statuses",
    [
        {"max_characters": 500, "characters_reserved_per_url": -1},
        {"max_characters": 500, "characters_reserved_per_url": 10**9},
        {"max_characters": 500, "characters_reserved_per_url": True},
        {"max_characters": 500, "characters_reserved_per_url": "23"},
    ],
)
def test_absurd_url_length_is_ignored(statuses: dict[str, object]) -> None:
    body = {"domain": "a.example/evil", "configuration": {"statuses": statuses}}
    assert parse_instance(body) == InstanceFacts(500, 23, None)


def test_retry_after_seconds_and_http_date() -> None:
    assert retry_after("120", now=NOW) == NOW + timedelta(seconds=120)
    assert retry_after("Sun, 01 Mar 2026 12:05:00 GMT", now=NOW) == NOW + timedelta(minutes=5)
    assert retry_after("soon", now=NOW) is None
    assert retry_after(None, now=NOW) is None


def test_the_later_of_both_headers_wins() -> None:
    headers = {"X-RateLimit-Reset": "2026-03-01T12:01:00.000Z", "Retry-After": "300"}
    assert rate_limit_reset(headers, now=NOW) == NOW + timedelta(seconds=300)
    headers = {"X-RateLimit-Reset": "2026-03-01T12:10:00.000Z", "Retry-After": "300"}
    assert rate_limit_reset(headers, now=NOW) == NOW + timedelta(minutes=10)
    assert rate_limit_reset({"Retry-After": "later"}, now=NOW) is None


# ---------------------------------------------------------------- against the sandbox


def test_instance_facts_come_from_the_server(mastodon_url: str) -> None:
    facts = fetch_instance_facts(mastodon_url, public_only=False)
    # the sandbox names itself by host:port, which is no domain: the host stays the fallback
    assert (facts.characters_reserved_per_url, facts.domain) == (23, None)
    admin(
        mastodon_url,
        "faults",
        {"characters_reserved_per_url": 40, "instance_domain": "people.example"},
    )
    facts = fetch_instance_facts(mastodon_url, public_only=False)
    assert (facts.characters_reserved_per_url, facts.domain) == (40, "people.example")


def test_rate_limit_with_retry_after_only_carries_retry_at(mastodon_url: str) -> None:
    adapter = make_adapter(mastodon_url)
    tokens = connect(adapter, "rita")
    admin(
        mastodon_url,
        "faults",
        {"rate_limit": {"user_limit": 1, "user_window_s": 300}, "rate_limit_header": "retry-after"},
    )
    adapter.publish(tokens, "first", idempotency_key="1")
    with pytest.raises(RateLimited) as caught:
        adapter.publish(tokens, "second", idempotency_key="2")
    retry_at = caught.value.retry_at
    assert retry_at is not None
    assert datetime.now(UTC) + timedelta(seconds=200) < retry_at
    assert retry_at <= datetime.now(UTC) + timedelta(seconds=302)


def test_connectors_keep_the_instance_facts(mastodon_url: str, tmp_path: Path) -> None:
    """Registration stores the server's URL length and domain; the adapter counts and names
    supporters by them (the handle is @user@people.example, not @user@127.0.0.1:port)."""
    admin(
        mastodon_url,
        "faults",
        {"characters_reserved_per_url": 40, "instance_domain": "people.example"},
    )
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    database = Database(url)
    settings = Settings(mastodon_allow_http=True, public_url="http://127.0.0.1:8000")
    connectors = Connectors(settings, TokenCipher([generate_fernet_key().encode()]))
    with database.session() as session:
        adapter = connectors.for_platform(session, "mastodon", mastodon_url)
    with database.session() as session:
        app = session.exec(select(MastodonApp)).one()
        assert (app.characters_reserved_per_url, app.domain) == (40, "people.example")
    assert isinstance(adapter, MastodonAdapter)
    link = "https://example.org/" + "p" * 100
    assert adapter.text_problems("x" * 459 + " " + link) == []  # 459 + 1 + 40 = 500
    assert adapter.text_problems("x" * 460 + " " + link) == [
        "This Mastodon server allows 500 characters (URLs count as 40); this text has 501: "
        "shorten it by 1."
    ]
    redirect_uri = connectors.redirect_uri("mastodon")
    request = adapter.authorization_request(redirect_uri=redirect_uri, state="st-uma")
    code = consent(request, username="uma")
    tokens = adapter.exchange_code(code=code, redirect_uri=redirect_uri, code_verifier=None)
    profile = adapter.profile(tokens)
    assert profile.handle == "@uma@people.example"
    database.dispose()
