"""Threads' adapter under the contract battery (contract.py), against its emulator, on the
release's async path; then what is Threads' own: two-step publishing, token refresh timing,
the text rule, the 250-a-day window."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from amplifier.platforms.base import (
    AuthExpired,
    Draft,
    Duplicate,
    OutcomeUnknown,
    PlatformError,
    Profile,
    PublishedPost,
    RateLimited,
    Staged,
    TokenSet,
)
from amplifier.platforms.threads import ThreadsAdapter
from amplifier.platforms.threads.text import text_problems, weight

from .contract import PlatformContract
from .helpers import REDIRECT_URI, admin, consent, posts


@pytest.fixture
def threads_url(sandbox: Any) -> str:
    url = str(sandbox.threads_url).rstrip("/")
    admin(url, "reset", {})
    return url


def make(base: str, timeout: float = 5.0) -> ThreadsAdapter:
    return ThreadsAdapter(
        client_id="threads-sandbox-app",
        client_secret="threads-sandbox-secret",
        graph_base=base,
        api_version="v1.0",
        authorize_url=f"{base}/oauth/authorize",
        web_base=base,
        timeout=timeout,
    )


def connect(adapter: ThreadsAdapter, username: str) -> TokenSet:
    request = adapter.authorization_request(redirect_uri=REDIRECT_URI, state=f"st-{username}")
    code = consent(request, username=username)
    return adapter.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier=None)


class TestThreadsContract(PlatformContract):
    platform = "threads"

    @pytest.fixture(params=("async",))  # Threads is released on the async path only
    def path(self, request: pytest.FixtureRequest) -> str:
        return str(request.param)

    @pytest.fixture
    def base(self, threads_url: str) -> str:
        return threads_url

    def make_adapter(self, base: str, *, timeout: float) -> ThreadsAdapter:
        return make(base, timeout)

    def connect(self, adapter: Any, username: str) -> TokenSet:
        return connect(adapter, username)

    def settle(self, adapter: Any, tokens: TokenSet, profile: Profile, text: str, key: str) -> (
        PublishedPost | None
    ):  # fmt: skip
        found: PublishedPost | None = adapter.find_recent_post(
            tokens, account_id=profile.account_id, text=text
        )
        return found


def publish(adapter: ThreadsAdapter, tokens: TokenSet, text: str) -> PublishedPost:
    async def release() -> PublishedPost:
        async with adapter.async_session(limit=4) as session:
            return await adapter.publish_async(session, tokens, text, idempotency_key="k")

    return asyncio.run(release())


def test_a_post_is_a_container_then_its_publication(threads_url: str) -> None:
    adapter = make(threads_url)
    tokens = connect(adapter, "ada")
    assert tokens.expires_at is not None  # long-lived: about 60 days
    assert tokens.expires_at - datetime.now(UTC) > timedelta(days=59)
    post = publish(adapter, tokens, "Two steps")
    assert post.url is not None and requests.get(post.url, timeout=5).status_code == 200
    me = tokens.extras["threads_user_id"]
    limit = requests.get(
        f"{threads_url}/v1.0/{me}/threads_publishing_limit",
        headers={"Authorization": f"Bearer {tokens.access_token}"},
        timeout=5,
    ).json()
    assert limit["data"][0]["quota_usage"] == 1


def test_refresh_timing(threads_url: str) -> None:
    adapter = make(threads_url)
    tokens = connect(adapter, "bo")
    assert tokens.expires_at is not None
    young = adapter.refresh(tokens)  # under 24 hours old: Threads would refuse; kept as it is
    assert young == tokens
    later = tokens.expires_at - timedelta(days=30)  # 30 days in: refreshed for 60 more
    fresh = adapter.refresh(tokens, now=later)
    assert fresh.access_token != tokens.access_token and fresh.extras == tokens.extras
    with pytest.raises(AuthExpired, match="lapsed"):  # a lapsed token cannot be refreshed
        adapter.refresh(tokens, now=tokens.expires_at + timedelta(seconds=1))


def test_250_a_day_per_profile(threads_url: str) -> None:
    admin(threads_url, "faults", {"rate_limit": {"user_limit": 2, "user_window_s": 86400}})
    adapter = make(threads_url)
    tokens = connect(adapter, "cy")
    publish(adapter, tokens, "one")
    publish(adapter, tokens, "two")
    with pytest.raises(PlatformError) as caught:
        publish(adapter, tokens, "three")
    assert isinstance(caught.value, RateLimited) and caught.value.retry_at is not None
    assert caught.value.retry_at - datetime.now(UTC) > timedelta(hours=23)


def test_emoji_count_their_utf8_bytes() -> None:
    assert weight("a" * 500) == 500 and text_problems("a" * 500) == []
    assert weight("\N{THUMBS UP SIGN}") == 4
    assert text_problems("a" * 497 + "\N{THUMBS UP SIGN}")  # 497 + 4 = 501
    assert "UTF-8 bytes" in text_problems("\N{THUMBS UP SIGN}" * 126)[0]


def staged_publish(
    adapter: ThreadsAdapter, tokens: TokenSet, staged: Staged, text: str
) -> PublishedPost:
    async def release() -> PublishedPost:
        async with adapter.async_session(limit=4) as session:
            return await adapter.publish_staged_async(
                session, tokens, Draft(text), staged, idempotency_key="k"
            )

    return asyncio.run(release())


def stage(adapter: ThreadsAdapter, tokens: TokenSet, text: str) -> Staged:
    async def prepare() -> Staged:
        async with adapter.async_session(limit=4) as session:
            return await adapter.stage_async(session, tokens, Draft(text))

    return asyncio.run(prepare())


def test_the_container_is_staged_and_only_published_at_t(threads_url: str) -> None:
    adapter = make(threads_url)
    tokens = connect(adapter, "di")
    staged = stage(adapter, tokens, "Staged before T")
    assert len(staged.remote_ids) == 1 and staged.expires_at is not None
    assert timedelta(hours=23) < staged.expires_at - datetime.now(UTC) <= timedelta(hours=24)
    assert posts(threads_url) == []  # a container is not a post
    post = staged_publish(adapter, tokens, staged, "Staged before T")
    assert [p["id"] for p in posts(threads_url)] == [post.remote_id]


def test_a_repeat_after_an_unknown_outcome_publishes_the_same_container_once(
    threads_url: str,
) -> None:
    adapter = make(threads_url)
    tokens = connect(adapter, "ed")
    text = "Published once, whatever the answers"
    staged = stage(adapter, tokens, text)
    admin(threads_url, "faults", {"answer_fault": "truncated_json", "answer_fault_next": 1})
    with pytest.raises(OutcomeUnknown):
        staged_publish(adapter, tokens, staged, text)
    with pytest.raises(Duplicate):  # the same container again: already published
        staged_publish(adapter, tokens, staged, text)
    [only] = posts(threads_url)
    profile = adapter.profile(tokens)
    found = adapter.find_recent_post(tokens, account_id=profile.account_id, text=text)
    assert found is not None and found.remote_id == only["id"]
