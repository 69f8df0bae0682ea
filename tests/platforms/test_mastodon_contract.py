"""Mastodon's adapter under the contract battery (contract.py), against the sandbox's emulator."""

from __future__ import annotations

from typing import Any

import pytest

from amplifier.platforms.base import Profile, PublishedPost, TokenSet
from amplifier.platforms.mastodon import MastodonAdapter, register_app

from .contract import DEADLINE_S, PlatformContract
from .helpers import REDIRECT_URI, consent


class TestMastodonContract(PlatformContract):
    platform = "mastodon"

    @pytest.fixture
    def base(self, mastodon_url: str) -> str:
        return mastodon_url

    def make_adapter(self, base: str, *, timeout: float) -> MastodonAdapter:
        creds = register_app(
            base,
            client_name="amplifier contract",
            redirect_uri=REDIRECT_URI,
            website=None,
            timeout=timeout,
            public_only=False,  # the sandbox listens on loopback
        )
        return self.adapter_for(base, creds.client_id, creds.client_secret or "", timeout)

    def adapter_for(self, base: str, client_id: str, secret: str, timeout: float) -> (
        MastodonAdapter
    ):  # fmt: skip
        return MastodonAdapter(
            instance_url=base,
            client_id=client_id,
            client_secret=secret,
            timeout=timeout,
            public_only=False,
        )

    def make_adapter_at(self, dead_base: str) -> MastodonAdapter:
        return self.adapter_for(dead_base, "cid", "secret", DEADLINE_S)

    def connect(self, adapter: Any, username: str) -> TokenSet:
        request = adapter.authorization_request(redirect_uri=REDIRECT_URI, state=f"st-{username}")
        code = consent(request, username=username)
        tokens: TokenSet = adapter.exchange_code(
            code=code, redirect_uri=REDIRECT_URI, code_verifier=None
        )
        return tokens

    def settle(self, adapter: Any, tokens: TokenSet, profile: Profile, text: str, key: str) -> (
        PublishedPost | None
    ):  # fmt: skip
        """Mastodon remembers the Idempotency-Key: resending returns the status it created."""
        post: PublishedPost = adapter.publish(tokens, text, idempotency_key=key)
        return post
