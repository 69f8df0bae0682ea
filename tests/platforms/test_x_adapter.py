"""XAdapter against the sandbox's X emulator, over real HTTP."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta

import pytest

from amplifier.platforms.base import (
    AuthExpired,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    TokenSet,
    Transient,
)
from amplifier.platforms.x import SCOPES, XAdapter

from .helpers import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, admin, consent, posts


def make_adapter(x_url: str, *, timeout: float = 5.0) -> XAdapter:
    return XAdapter(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        api_base=x_url,
        authorize_url=f"{x_url}/i/oauth2/authorize",
        web_base="https://x.com",
        timeout=timeout,
    )


def connect(adapter: XAdapter, username: str = "alice", followers: int = 120) -> TokenSet:
    request = adapter.authorization_request(redirect_uri=REDIRECT_URI, state=f"st-{username}")
    code = consent(request, username=username, followers=followers)
    return adapter.exchange_code(
        code=code, redirect_uri=REDIRECT_URI, code_verifier=request.code_verifier
    )


def test_authorization_request_uses_pkce_s256_and_fresh_verifiers() -> None:
    adapter = XAdapter(client_id="abc", client_secret=None)
    first = adapter.authorization_request(redirect_uri="https://app.example/cb", state="s1")
    second = adapter.authorization_request(redirect_uri="https://app.example/cb", state="s1")
    assert first.url.startswith("https://x.com/i/oauth2/authorize?")
    assert "code_challenge_method=S256" in first.url
    assert "scope=tweet.read+tweet.write+users.read+offline.access+media.write" in first.url
    assert "state=s1" in first.url
    assert first.code_verifier and second.code_verifier
    assert first.code_verifier != second.code_verifier
    assert 43 <= len(first.code_verifier) <= 128
    assert SCOPES == ("tweet.read", "tweet.write", "users.read", "offline.access", "media.write")


def test_connect_profile_publish(x_url: str) -> None:
    adapter = make_adapter(x_url)
    tokens = connect(adapter, "alice", followers=120)
    assert tokens.refresh_token
    assert tokens.expires_at is not None and tokens.expires_at.tzinfo is not None
    assert timedelta(hours=1) < tokens.expires_at - datetime.now(UTC) <= timedelta(hours=2)

    profile = adapter.profile(tokens)
    assert profile.handle == "@alice"
    assert profile.followers == 120
    assert profile.profile_url == "https://x.com/alice"

    post = adapter.publish(tokens, "Hello from amplifier", idempotency_key="k1")
    assert post.remote_id
    assert post.url == f"https://x.com/i/web/status/{post.remote_id}"
    assert any(str(p.get("id")) == post.remote_id for p in posts(x_url))

    found = adapter.find_recent_post(
        tokens, account_id=profile.account_id, text="Hello from amplifier"
    )
    assert found == post
    assert adapter.find_recent_post(tokens, account_id=profile.account_id, text="other") is None


def test_refresh_after_expiry_rotates_the_refresh_token(x_url: str) -> None:
    adapter = make_adapter(x_url)
    tokens = connect(adapter, "bob")
    admin(x_url, "expire-tokens", {"username": "bob"})
    with pytest.raises(AuthExpired):
        adapter.publish(tokens, "before refresh", idempotency_key="k")

    fresh = adapter.refresh(tokens)
    assert fresh.access_token != tokens.access_token
    assert fresh.refresh_token and fresh.refresh_token != tokens.refresh_token
    assert adapter.publish(fresh, "after refresh", idempotency_key="k").remote_id

    with pytest.raises(AuthExpired):  # X refresh tokens are single use
        adapter.refresh(tokens)


def test_revoked_token_is_auth_expired(x_url: str) -> None:
    adapter = make_adapter(x_url)
    tokens = connect(adapter, "carol")
    admin(x_url, "revoke", {"username": "carol"})
    with pytest.raises(AuthExpired):
        adapter.profile(tokens)
    with pytest.raises(AuthExpired):
        adapter.refresh(tokens)


def test_bad_code_is_rejected_in_words_a_supporter_understands(x_url: str) -> None:
    adapter = make_adapter(x_url)
    request = adapter.authorization_request(redirect_uri=REDIRECT_URI, state="s")
    with pytest.raises(Rejected, match="connect your X account again"):
        adapter.exchange_code(
            code="not-a-code", redirect_uri=REDIRECT_URI, code_verifier=request.code_verifier
        )


def test_wrong_client_secret_is_not_blamed_on_the_supporter(x_url: str) -> None:
    good = make_adapter(x_url)
    request = good.authorization_request(redirect_uri=REDIRECT_URI, state="s")
    code = consent(request, username="dave")
    bad = XAdapter(client_id=CLIENT_ID, client_secret="wrong", api_base=x_url)
    with pytest.raises(Rejected, match="app credentials"):
        bad.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier=request.code_verifier)


def test_duplicate_is_rejected(x_url: str) -> None:
    adapter = make_adapter(x_url)
    tokens = connect(adapter, "erin")
    adapter.publish(tokens, "Same words", idempotency_key="a")
    with pytest.raises(Rejected, match="duplicate"):
        adapter.publish(tokens, "Same words", idempotency_key="b")


def test_too_long_is_rejected(x_url: str) -> None:
    adapter = make_adapter(x_url)
    tokens = connect(adapter, "frank")
    text = "a" * 281
    assert adapter.text_problems(text)
    with pytest.raises(Rejected) as caught:
        adapter.publish(tokens, text, idempotency_key="k")
    assert caught.value.status in (400, 403)


def test_rate_limited_carries_retry_at(x_url: str) -> None:
    adapter = make_adapter(x_url)
    tokens = connect(adapter, "gina")
    admin(x_url, "faults", {"rate_limit": {"user_limit": 1, "user_window_s": 900}})
    adapter.publish(tokens, "first", idempotency_key="1")
    with pytest.raises(RateLimited) as caught:
        adapter.publish(tokens, "second", idempotency_key="2")
    retry_at = caught.value.retry_at
    assert retry_at is not None and retry_at.tzinfo is not None
    assert datetime.now(UTC) < retry_at <= datetime.now(UTC) + timedelta(seconds=901)
    assert caught.value.retryable


def test_503_on_publish_is_outcome_unknown_and_on_a_read_transient(x_url: str) -> None:
    """X has answered 503 to a post it had created (issue 7): a 503 on a write proves nothing."""
    adapter = make_adapter(x_url)
    tokens = connect(adapter, "hal")
    admin(x_url, "faults", {"fail_next": 1, "error_status": 503})
    with pytest.raises(OutcomeUnknown):
        adapter.publish(tokens, "during an outage", idempotency_key="k")
    admin(x_url, "faults", {"fail_next": 1, "error_status": 503, "scope": "all"})
    with pytest.raises(Transient):
        adapter.profile(tokens)


def test_500_on_publish_is_outcome_unknown(x_url: str) -> None:
    adapter = make_adapter(x_url)
    tokens = connect(adapter, "ian")
    admin(x_url, "faults", {"fail_next": 1, "error_status": 500})
    with pytest.raises(OutcomeUnknown):
        adapter.publish(tokens, "maybe posted", idempotency_key="k")


def test_timeout_after_accept_is_outcome_unknown_and_settles(x_url: str) -> None:
    adapter = make_adapter(x_url, timeout=0.5)
    tokens = connect(adapter, "judy")
    profile = adapter.profile(tokens)
    admin(x_url, "faults", {"timeout_after_accept_next": 1, "hang_s": 2})
    with pytest.raises(OutcomeUnknown):
        adapter.publish(tokens, "slow answer", idempotency_key="k")
    found = adapter.find_recent_post(tokens, account_id=profile.account_id, text="slow answer")
    assert found is not None


def test_connection_refused_is_transient() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    adapter = XAdapter(client_id="c", client_secret="s", api_base=f"http://127.0.0.1:{port}")
    tokens = TokenSet(access_token="t")
    with pytest.raises(Transient):
        adapter.publish(tokens, "nobody home", idempotency_key="k")
    with pytest.raises(Transient):
        adapter.refresh(TokenSet(access_token="t", refresh_token="r"))


def test_tokens_never_reach_the_logs(x_url: str, caplog: pytest.LogCaptureFixture) -> None:
    adapter = make_adapter(x_url)
    with caplog.at_level(logging.DEBUG):
        tokens = connect(adapter, "kim")
        fresh = adapter.refresh(tokens)
        adapter.publish(fresh, "quiet please", idempotency_key="k")
    secrets = [tokens.access_token, tokens.refresh_token, fresh.access_token, CLIENT_SECRET]
    for secret in secrets:
        assert secret and secret not in caplog.text
    assert CLIENT_SECRET not in repr(adapter)
