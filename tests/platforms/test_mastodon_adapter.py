"""MastodonAdapter and the instance helpers against the sandbox's Mastodon emulator."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from amplifier.platforms.base import (
    AuthExpired,
    ClientCredentials,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    TokenSet,
    Transient,
)
from amplifier.platforms.mastodon import (
    MastodonAdapter,
    fetch_max_characters,
    normalise_instance,
    register_app,
)

from .helpers import REDIRECT_URI, admin, consent, posts


def make_adapter(base: str, *, timeout: float = 5.0) -> MastodonAdapter:
    creds = register_app(
        base,
        client_name="amplifier tests",
        redirect_uri=REDIRECT_URI,
        website=None,
        public_only=False,  # the sandbox listens on loopback
    )
    assert creds.client_secret
    return MastodonAdapter(
        instance_url=base,
        client_id=creds.client_id,
        client_secret=creds.client_secret,
        timeout=timeout,
        public_only=False,
    )


def connect(adapter: MastodonAdapter, username: str = "alice", followers: int = 120) -> TokenSet:
    request = adapter.authorization_request(redirect_uri=REDIRECT_URI, state=f"st-{username}")
    assert request.code_verifier is None
    code = consent(request, username=username, followers=followers)
    return adapter.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier=None)


# ---------------------------------------------------------------- pure


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("mastodon.social", "https://mastodon.social"),
        ("  Mastodon.Social  ", "https://mastodon.social"),
        ("https://mastodon.social/", "https://mastodon.social"),
        ("https://mastodon.social/@me", "https://mastodon.social"),
        ("@me@mastodon.social", "https://mastodon.social"),
        ("me@fosstodon.org", "https://fosstodon.org"),
        ("social.example.co.uk:8443", "https://social.example.co.uk:8443"),
        ("bücher.example", "https://xn--bcher-kva.example"),
    ],
)
def test_normalise_instance(raw: str, expected: str) -> None:
    assert normalise_instance(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "hello world",
        "localhost",
        "http://mastodon.social",
        "ftp://x.org",
        "no_dots",
        "-a.org",
    ],
)
def test_normalise_instance_rejects_junk(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise_instance(raw)


def test_normalise_instance_allows_http_for_local_development() -> None:
    assert normalise_instance("http://127.0.0.1:3000/", allow_http=True) == "http://127.0.0.1:3000"
    assert normalise_instance("http://localhost:3000", allow_http=True) == "http://localhost:3000"


def test_authorization_url_and_refresh_without_expiry() -> None:
    adapter = MastodonAdapter(
        instance_url="https://m.example", client_id="c", client_secret="topsecret"
    )
    request = adapter.authorization_request(redirect_uri="https://app.example/cb", state="xyz")
    assert request.url.startswith("https://m.example/oauth/authorize?response_type=code&")
    assert "scope=read%3Aaccounts+write%3Astatuses" in request.url
    assert "state=xyz" in request.url
    tokens = TokenSet(access_token="a", scope="read:accounts write:statuses")
    assert adapter.refresh(tokens) is tokens
    assert "topsecret" not in repr(adapter)


# ---------------------------------------------------------------- against the sandbox


def test_register_app_and_fetch_max_characters(mastodon_url: str) -> None:
    creds = register_app(
        mastodon_url,
        client_name="amplifier",
        redirect_uri=REDIRECT_URI,
        website="https://a.org",
        public_only=False,
    )
    assert isinstance(creds, ClientCredentials) and creds.client_id and creds.client_secret
    assert fetch_max_characters(mastodon_url, public_only=False) == 500
    admin(mastodon_url, "faults", {"max_characters": 1000})
    assert fetch_max_characters(mastodon_url, public_only=False) == 1000


def test_connect_profile_publish(mastodon_url: str) -> None:
    adapter = make_adapter(mastodon_url)
    tokens = connect(adapter, "alice", followers=120)
    profile = adapter.profile(tokens)
    domain = urlsplit(mastodon_url).netloc
    assert profile.handle == f"@alice@{domain}"
    assert profile.followers == 120

    post = adapter.publish(tokens, "Hello, fediverse", idempotency_key="pledge-1")
    assert post.remote_id and post.url.endswith(post.remote_id)
    assert len(posts(mastodon_url)) == 1


def test_same_idempotency_key_twice_makes_one_post(mastodon_url: str) -> None:
    adapter = make_adapter(mastodon_url)
    tokens = connect(adapter, "bob")
    first = adapter.publish(tokens, "once only", idempotency_key="pledge-42")
    second = adapter.publish(tokens, "once only", idempotency_key="pledge-42")
    assert first == second
    assert len(posts(mastodon_url)) == 1


def test_revoked_token_is_auth_expired(mastodon_url: str) -> None:
    adapter = make_adapter(mastodon_url)
    tokens = connect(adapter, "carol")
    admin(mastodon_url, "revoke", {"username": "carol"})
    with pytest.raises(AuthExpired):
        adapter.publish(tokens, "after revoke", idempotency_key="k")


def test_bad_code_is_rejected(mastodon_url: str) -> None:
    adapter = make_adapter(mastodon_url)
    with pytest.raises(Rejected, match="connect your Mastodon account again"):
        adapter.exchange_code(code="nope", redirect_uri=REDIRECT_URI, code_verifier=None)


def test_too_long_is_rejected_with_mastodons_words(mastodon_url: str) -> None:
    adapter = make_adapter(mastodon_url)
    tokens = connect(adapter, "dave")
    text = "x" * 501
    assert adapter.text_problems(text)
    with pytest.raises(Rejected) as caught:
        adapter.publish(tokens, text, idempotency_key="k")
    assert caught.value.status == 422
    assert "500" in caught.value.message or "long" in caught.value.message.lower()


def test_rate_limited_carries_retry_at(mastodon_url: str) -> None:
    adapter = make_adapter(mastodon_url)
    tokens = connect(adapter, "erin")
    admin(mastodon_url, "faults", {"rate_limit": {"user_limit": 1, "user_window_s": 300}})
    adapter.publish(tokens, "first", idempotency_key="1")
    with pytest.raises(RateLimited) as caught:
        adapter.publish(tokens, "second", idempotency_key="2")
    retry_at = caught.value.retry_at
    assert retry_at is not None and retry_at.tzinfo is not None
    assert datetime.now(UTC) - timedelta(seconds=1) < retry_at
    assert retry_at <= datetime.now(UTC) + timedelta(seconds=301)


def test_503_is_transient(mastodon_url: str) -> None:
    adapter = make_adapter(mastodon_url)
    tokens = connect(adapter, "frank")
    admin(mastodon_url, "faults", {"fail_next": 1, "error_status": 503})
    with pytest.raises(Transient):
        adapter.publish(tokens, "outage", idempotency_key="k")
    assert posts(mastodon_url) == []


def test_timeout_after_accept_is_unknown_and_the_same_key_settles_it(mastodon_url: str) -> None:
    adapter = make_adapter(mastodon_url, timeout=0.5)
    tokens = connect(adapter, "gina")
    admin(mastodon_url, "faults", {"timeout_after_accept_next": 1, "hang_s": 2})
    with pytest.raises(OutcomeUnknown):
        adapter.publish(tokens, "slow", idempotency_key="pledge-7")
    again = adapter.publish(tokens, "slow", idempotency_key="pledge-7")
    assert again.remote_id
    assert len(posts(mastodon_url)) == 1


def test_unreachable_instance_is_transient() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    adapter = MastodonAdapter(instance_url=base, client_id="c", client_secret="s")
    with pytest.raises(Transient):
        adapter.publish(TokenSet(access_token="t"), "hello", idempotency_key="k")
    with pytest.raises(Transient):
        fetch_max_characters(base)
