"""LinkedIn's adapter under the contract battery (contract.py), against the sandbox's emulator.

LinkedIn answers a created post with 201, an empty body and the URN in `x-restli-id`: there is
no body to cut short or to trickle, so those two spoilt answers become what can happen to a
header-only answer after the post is stored (the connection dropped; the answer held back past
the deadline). The sandbox's admin API lists a post by its number; LinkedIn names it
`urn:li:share:{number}`.
"""

from __future__ import annotations

from typing import Any

import pytest

from amplifier.platforms.base import Profile, PublishedPost, TokenSet
from amplifier.platforms.linkedin import LinkedInAdapter
from amplifier.platforms.linkedin.settings import PINNED_VERSION

from ..contract import DEADLINE_S, PlatformContract
from ..helpers import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, admin, consent, posts


def make(base: str, *, timeout: float = DEADLINE_S, read_posts: bool = True) -> LinkedInAdapter:
    return LinkedInAdapter(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        version=PINNED_VERSION,
        api_base=base,
        oauth_base=base,
        web_base=base,
        read_posts=read_posts,
        timeout=timeout,
    )


def connect(adapter: LinkedInAdapter, username: str) -> TokenSet:
    request = adapter.authorization_request(redirect_uri=REDIRECT_URI, state=f"st-{username}")
    code = consent(request, username=username)
    return adapter.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier=None)


class TestLinkedInContract(PlatformContract):
    platform = "linkedin"

    @pytest.fixture
    def base(self, linkedin_url: str) -> str:
        return linkedin_url

    def make_adapter(self, base: str, *, timeout: float) -> LinkedInAdapter:
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

    def stored(self, base: str, text: str) -> list[dict[str, Any]]:
        return [
            {**p, "id": f"urn:li:share:{p['id']}"} for p in posts(base) if p.get("text") == text
        ]

    def spoil(self, base: str, kind: str, **more: Any) -> None:
        if kind == "truncated_json":
            kind = "drop_after"
        if kind == "trickle":
            admin(base, "faults", {"timeout_after_accept_next": 1, "hang_s": DEADLINE_S * 3})
            return
        super().spoil(base, kind, **more)
