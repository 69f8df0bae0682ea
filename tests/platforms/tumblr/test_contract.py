"""Tumblr's adapter under the contract battery (contract.py), against the sandbox's emulator."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from amplifier.platforms.base import Profile, PublishedPost, TokenSet
from amplifier.platforms.tumblr import TumblrAdapter
from amplifier.platforms.tumblr.adapter import BLOG

from ..contract import DEADLINE_S, PlatformContract
from ..helpers import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, consent, posts


def make(base: str, *, timeout: float = DEADLINE_S) -> TumblrAdapter:
    return TumblrAdapter(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        api_base=base,
        authorize_url=f"{base}/oauth2/authorize",
        web_base=base,
        timeout=timeout,
    )


def connect(adapter: TumblrAdapter, username: str) -> TokenSet:
    request = adapter.authorization_request(redirect_uri=REDIRECT_URI, state=f"st-{username}")
    code = consent(request, username=username)
    return adapter.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier=None)


def publish(adapter: TumblrAdapter, tokens: TokenSet, text: str) -> PublishedPost:
    async def go() -> PublishedPost:
        async with adapter.async_session(limit=2) as session:
            return await adapter.publish_async(session, tokens, text, idempotency_key="k")

    return asyncio.run(go())


class TestTumblrContract(PlatformContract):
    platform = "tumblr"

    @pytest.fixture
    def base(self, tumblr_url: str) -> str:
        return tumblr_url

    def make_adapter(self, base: str, *, timeout: float) -> TumblrAdapter:
        return make(base, timeout=timeout)

    def connect(self, adapter: Any, username: str) -> TokenSet:
        return connect(adapter, username)

    def settle(self, adapter: Any, tokens: TokenSet, profile: Profile, text: str, key: str) -> (
        PublishedPost | None
    ):  # fmt: skip
        found: PublishedPost | None = adapter.find_recent_post(
            tokens, account_id=profile.account_id, text=text
        )
        return found


def test_the_post_is_npf_on_the_chosen_blog(tumblr_url: str) -> None:
    """The primary blog unless another is chosen; the text whole in a text block, the link as
    a link block too."""
    adapter = make(tumblr_url)
    tokens = connect(adapter, "fay")
    assert tokens.extras[BLOG] == "fay"
    assert [b["name"] for b in adapter.blogs(tokens)] == ["fay", "fay-side"]
    text = "Keep the library open!\nhttps://example.org/library"
    side = TokenSet(tokens.access_token, tokens.refresh_token, tokens.expires_at, tokens.scope,
                    {BLOG: "fay-side"})  # fmt: skip
    post = publish(adapter, side, text)
    assert post.url == f"{tumblr_url}/fay-side/{post.remote_id}"
    [stored] = posts(tumblr_url)
    assert stored["text"] == text
    assert adapter.find_recent_post(side, account_id="", text=text) == post
    assert adapter.find_recent_post(tokens, account_id="", text=text) is None  # not on "fay"
    assert adapter.profile(side).handle == "fay-side"


def test_refresh_rotates_the_pair_and_keeps_the_blog(tumblr_url: str) -> None:
    adapter = make(tumblr_url)
    tokens = connect(adapter, "gus")
    assert tokens.refresh_token and tokens.expires_at is not None
    fresh = adapter.refresh(tokens)
    assert fresh.refresh_token != tokens.refresh_token
    assert fresh.extras == tokens.extras
    assert publish(adapter, fresh, "After a refresh").remote_id
