"""X's adapter under the contract battery (contract.py), against the sandbox's X emulator."""

from __future__ import annotations

from typing import Any

import pytest

from amplifier.platforms.base import Profile, PublishedPost, TokenSet
from amplifier.platforms.x import XAdapter

from .contract import PlatformContract
from .helpers import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, consent


class TestXContract(PlatformContract):
    platform = "x"
    write_503_is_ambiguous = True  # X has answered 503 to posts it had created (issue 7, item 5)

    @pytest.fixture
    def base(self, x_url: str) -> str:
        return x_url

    def make_adapter(self, base: str, *, timeout: float) -> XAdapter:
        return XAdapter(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            api_base=base,
            authorize_url=f"{base}/i/oauth2/authorize",
            web_base="https://x.com",
            timeout=timeout,
        )

    def connect(self, adapter: Any, username: str) -> TokenSet:
        request = adapter.authorization_request(redirect_uri=REDIRECT_URI, state=f"st-{username}")
        code = consent(request, username=username)
        tokens: TokenSet = adapter.exchange_code(
            code=code, redirect_uri=REDIRECT_URI, code_verifier=request.code_verifier
        )
        return tokens

    def settle(self, adapter: Any, tokens: TokenSet, profile: Profile, text: str, key: str) -> (
        PublishedPost | None
    ):  # fmt: skip
        """X has no idempotency key: the release looks the post up on the account."""
        found: PublishedPost | None = adapter.find_recent_post(
            tokens, account_id=profile.account_id, text=text
        )
        return found
