"""Bluesky's adapter under the contract battery (contract.py), against the sandbox's emulator:
PAR, DPoP with nonces, private_key_jwt and record keys over real HTTP."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from amplifier.platforms.base import Profile, PublishedPost, TokenSet

from .bluesky_helpers import client_site, make_adapter, resolver
from .contract import DEADLINE_S, PlatformContract
from .helpers import REDIRECT_URI, admin, consent


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[str, Any]]:
    with client_site() as found:
        yield found


@pytest.fixture
def bluesky_url(sandbox: Any) -> str:
    url = str(sandbox.bluesky_url).rstrip("/")
    admin(url, "reset", {})
    return url


def connect(adapter: Any, base: str, username: str) -> TokenSet:
    """A supporter's whole sign-in: handle → PDS, PAR, the consent page, the token request."""
    identity = resolver(base).identity(f"{username}.bsky.sandbox")
    assert identity.pds == base
    request = adapter.authorization_request(redirect_uri=REDIRECT_URI, state=f"st-{username}")
    code = consent(request, username=username)
    tokens: TokenSet = adapter.exchange_code(
        code=code, redirect_uri=REDIRECT_URI, code_verifier=request.code_verifier
    )
    return tokens


class TestBlueskyContract(PlatformContract):
    platform = "bluesky"

    @pytest.fixture
    def base(self, bluesky_url: str, site: tuple[str, Any]) -> str:
        self.site = site
        return bluesky_url

    def make_adapter(self, base: str, *, timeout: float) -> Any:
        public_url, key = self.site
        return make_adapter(base, public_url, key, timeout=timeout)

    def make_adapter_at(self, dead_base: str) -> Any:
        public_url, key = self.site
        return make_adapter(dead_base, public_url, key, timeout=DEADLINE_S)

    def connect(self, adapter: Any, username: str) -> TokenSet:
        return connect(adapter, adapter.pds, username)

    def settle(self, adapter: Any, tokens: TokenSet, profile: Profile, text: str, key: str) -> (
        PublishedPost | None
    ):  # fmt: skip
        """The record key is the delivery's: writing it again finds the post it names."""
        post: PublishedPost = adapter.publish(tokens, text, idempotency_key=key)
        return post

    def test_refresh_keeps_the_extras(self, adapter: Any, tokens: TokenSet) -> None:
        """As the battery's, with the session's own extras kept: a Bluesky session cannot be
        renewed without its DPoP key, so other extras ride beside it."""
        extras = {**tokens.extras, "page_id": "42"}
        fresh = adapter.refresh(dataclasses.replace(tokens, extras=extras))
        assert fresh.extras == extras
        assert fresh.refresh_token != tokens.refresh_token  # rotated
