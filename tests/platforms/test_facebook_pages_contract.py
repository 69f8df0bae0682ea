"""Facebook Pages' adapter under the contract battery (contract.py), against its emulator, on
the release's async path; then what is Facebook's own: the Page choice, Graph's error codes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from amplifier.platforms.base import (
    AuthExpired,
    Duplicate,
    PlatformError,
    Profile,
    PublishedPost,
    RateLimited,
    Rejected,
    TokenSet,
)
from amplifier.platforms.facebook_pages import FacebookPagesAdapter

from .contract import PlatformContract
from .helpers import REDIRECT_URI, admin, consent

VERSION = "v24.0"


@pytest.fixture
def facebook_pages_url(sandbox: Any) -> str:
    url = str(sandbox.facebook_pages_url).rstrip("/")
    admin(url, "reset", {})
    return url


def make(base: str, timeout: float = 5.0) -> FacebookPagesAdapter:
    return FacebookPagesAdapter(
        client_id="fb-sandbox-app",
        client_secret="fb-sandbox-secret",
        graph=f"{base}/{VERSION}",
        dialog=f"{base}/{VERSION}/dialog/oauth",
        web_base=base,
        timeout=timeout,
    )


def person_token(adapter: FacebookPagesAdapter, username: str) -> TokenSet:
    request = adapter.authorization_request(redirect_uri=REDIRECT_URI, state=f"st-{username}")
    code = consent(request, username=username)
    return adapter.exchange_code(code=code, redirect_uri=REDIRECT_URI, code_verifier=None)


class TestFacebookPagesContract(PlatformContract):
    platform = "facebook_pages"

    @pytest.fixture(params=("async",))  # Facebook is released on the async path only
    def path(self, request: pytest.FixtureRequest) -> str:
        return str(request.param)

    @pytest.fixture
    def base(self, facebook_pages_url: str) -> str:
        return facebook_pages_url

    def make_adapter(self, base: str, *, timeout: float) -> FacebookPagesAdapter:
        return make(base, timeout)

    def connect(self, adapter: Any, username: str) -> TokenSet:
        person = person_token(adapter, username)
        [page] = adapter.list_accounts(person)
        tokens: TokenSet = adapter.choose_account(person, page.account_id).tokens
        return tokens

    def settle(self, adapter: Any, tokens: TokenSet, profile: Profile, text: str, key: str) -> (
        PublishedPost | None
    ):  # fmt: skip
        found: PublishedPost | None = adapter.find_recent_post(
            tokens, account_id=profile.account_id, text=text
        )
        return found


def publish(adapter: FacebookPagesAdapter, tokens: TokenSet, text: str) -> PublishedPost:
    async def release() -> PublishedPost:
        async with adapter.async_session(limit=4) as session:
            return await adapter.publish_async(session, tokens, text, idempotency_key="k")

    return asyncio.run(release())


def fails(adapter: FacebookPagesAdapter, tokens: TokenSet, text: str) -> PlatformError:
    with pytest.raises(PlatformError) as caught:
        publish(adapter, tokens, text)
    return caught.value


PAGES = [
    {"username": "riverlib", "name": "Riverside Library", "followers": 1200},
    {"username": "riverfriends", "name": "Friends of the River", "followers": 45},
    {"username": "readonly", "name": "A Page to read", "followers": 9000, "tasks": ["ANALYZE"]},
]


def test_the_pages_listed_are_those_the_person_may_post_on(facebook_pages_url: str) -> None:
    admin(facebook_pages_url, "pages", {"username": "ada", "pages": PAGES})
    adapter = make(facebook_pages_url)
    person = person_token(adapter, "ada")
    assert person.expires_at is not None  # the long-lived user token, about 60 days
    listed = adapter.list_accounts(person)
    assert [a.name for a in listed] == ["Riverside Library", "Friends of the River"]
    assert listed[0].followers == 1200 and listed[0].url.endswith("/riverlib")
    chosen = adapter.choose_account(person, listed[1].account_id)
    assert chosen.tokens.access_token != person.access_token
    assert chosen.tokens.extras == {"page_id": listed[1].account_id}
    assert (chosen.profile.display_name, chosen.profile.followers) == ("Friends of the River", 45)
    post = publish(adapter, chosen.tokens, "From the Friends")
    assert post.remote_id.startswith(f"{listed[1].account_id}_")
    assert requests.get(str(post.url), timeout=5).status_code == 200
    read_only = [p for p in adapter._pages(person) if p.get("name") == "A Page to read"]
    assert read_only == []  # no CREATE_CONTENT: never offered
    with pytest.raises(LookupError):
        adapter.choose_account(person, "999")


def test_a_person_without_pages_gets_an_empty_list(facebook_pages_url: str) -> None:
    admin(facebook_pages_url, "pages", {"username": "nopages", "pages": []})
    adapter = make(facebook_pages_url)
    assert adapter.list_accounts(person_token(adapter, "nopages")) == []


def test_a_page_lost_between_pledge_and_release_is_auth_expired(facebook_pages_url: str) -> None:
    admin(facebook_pages_url, "pages", {"username": "bo", "pages": PAGES[:2]})
    adapter = make(facebook_pages_url)
    person = person_token(adapter, "bo")
    first = adapter.list_accounts(person)[0]
    tokens = adapter.choose_account(person, first.account_id).tokens
    admin(facebook_pages_url, "pages", {"username": "bo", "pages": PAGES[1:2]})
    error = fails(adapter, tokens, "Too late")
    assert isinstance(error, AuthExpired) and "reconnect" in error.message


def test_graph_error_codes(facebook_pages_url: str) -> None:
    adapter = make(facebook_pages_url)
    tokens = TestFacebookPagesContract().connect(adapter, "cy")
    publish(adapter, tokens, "Once only")
    assert isinstance(fails(adapter, tokens, "Once only"), Duplicate)  # 506
    assert type(fails(adapter, tokens, "  ")) is Rejected  # 100, the message is required


def test_a_throttled_page_waits_for_the_usage_headers_time(facebook_pages_url: str) -> None:
    admin(facebook_pages_url, "faults", {"rate_limit": {"user_limit": 1, "user_window_s": 900}})
    adapter = make(facebook_pages_url)
    tokens = TestFacebookPagesContract().connect(adapter, "di")
    publish(adapter, tokens, "First of the window")
    limited = fails(adapter, tokens, "Second of the window")
    assert isinstance(limited, RateLimited) and "error 32" in limited.message
    assert limited.retry_at is not None  # estimated_time_to_regain_access: 15 minutes
    assert 14 * 60 <= (limited.retry_at - datetime.now(UTC)).total_seconds() <= 15 * 60 + 5
