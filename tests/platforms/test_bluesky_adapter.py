"""Bluesky's adapter against the emulator, beyond the battery: handles that do not resolve,
DPoP nonces, refresh rotation (and two refreshers of one session), settling by record key."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from amplifier.platforms.base import AuthExpired, OutcomeUnknown
from amplifier.platforms.bluesky.identity import Unresolved

from .bluesky_helpers import client_site, make_adapter, resolver
from .helpers import admin, posts
from .test_bluesky_contract import connect


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[str, Any]]:
    with client_site() as found:
        yield found


@pytest.fixture
def base(sandbox: Any) -> str:
    url = str(sandbox.bluesky_url).rstrip("/")
    admin(url, "reset", {})
    return url


@pytest.fixture
def adapter(base: str, site: tuple[str, Any]) -> Any:
    return make_adapter(base, site[0], site[1], timeout=5.0)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "Type your Bluesky handle"),
        ("not a handle!", "is not a Bluesky handle"),
        ("carol.example.com", "No Bluesky account answers to “carol.example.com”"),
    ],
)
def test_a_handle_that_does_not_resolve_says_why(base: str, typed: str, words: str) -> None:
    with pytest.raises(Unresolved) as caught:
        resolver(base).identity(typed)
    assert words in str(caught.value)


def test_a_handle_resolves_to_its_did_and_pds(base: str) -> None:
    found = resolver(base).identity("@Dora.bsky.sandbox ")
    assert found.handle == "dora.bsky.sandbox" and found.did.startswith("did:plc:")
    assert found.pds == base


def test_a_stale_dpop_nonce_is_retried_with_the_servers_new_one(base: str, adapter: Any) -> None:
    tokens = connect(adapter, base, "erin")
    for where in list(adapter._client.nonces):
        adapter._client.nonces[where] = "stale"
    assert adapter.profile(tokens).handle == "@erin.bsky.sandbox"
    assert adapter._client.nonces[base] != "stale"
    stats = admin(base, "stats")
    assert "401" in str(stats)  # the PDS refused the stale nonce once


def test_refresh_rotates_and_the_spent_token_is_refused(base: str, adapter: Any) -> None:
    tokens = connect(adapter, base, "fay")
    fresh = adapter.refresh(tokens)
    assert fresh.refresh_token != tokens.refresh_token
    assert fresh.extras == tokens.extras
    assert adapter.profile(fresh).handle == "@fay.bsky.sandbox"
    with pytest.raises(AuthExpired):
        adapter.refresh(tokens)  # the spent one: what a second, unlocked refresher would send


def test_a_session_key_other_than_the_sign_ins_is_refused(base: str, adapter: Any) -> None:
    tokens = connect(adapter, base, "gus")
    other = connect(adapter, base, "hal")
    stolen = dataclasses.replace(
        tokens, extras={**tokens.extras, "dpop_key": other.extras["dpop_key"]}
    )
    with pytest.raises(AuthExpired):
        adapter.profile(stolen)


def test_an_unknown_outcome_is_settled_by_the_record_key(base: str, adapter: Any) -> None:
    tokens = connect(adapter, base, "ivy")
    text = "Settle me 🎉 https://example.org #Late"
    admin(base, "faults", {"timeout_after_accept_next": 1, "hang_s": 8})
    adapter.timeout = 1.0
    slow = make_adapter(
        base, adapter.client_id.rsplit("/oauth", 1)[0], adapter._client_key, timeout=1.0
    )
    slow._client.nonces.update(adapter._client.nonces)

    async def release() -> Any:
        async with slow.async_session(limit=4) as session:
            return await slow.publish_async(session, tokens, text, idempotency_key="amplifier-7")

    with pytest.raises(OutcomeUnknown):
        asyncio.run(release())
    post = asyncio.run(release())  # the engine's resend under the same key
    [stored] = [p for p in posts(base) if p["text"] == text]
    assert post.remote_id == stored["id"] and post.remote_id.endswith(
        "/" + stored["idempotency_key"]
    )
    assert post.url is not None and "/post/" in post.url


def test_the_posted_record_carries_facets_the_pds_accepted(base: str, adapter: Any) -> None:
    tokens = connect(adapter, base, "jan")
    connect(adapter, base, "kim")  # an account the mention can name
    text = "Ünïcödé 🎉 with @kim.bsky.sandbox: https://example.org/a?b=1 #Library"
    post = adapter.publish(tokens, text, idempotency_key="amplifier-99")
    rkey = post.remote_id.rsplit("/", 1)[1]
    body = adapter._xrpc(
        tokens,
        "GET",
        "com.atproto.repo.getRecord",
        repo=tokens.extras["did"],
        collection="app.bsky.feed.post",
        rkey=rkey,
    )
    raw = text.encode()
    spans = {
        f["features"][0]["$type"].rsplit("#", 1)[1]: raw[
            f["index"]["byteStart"] : f["index"]["byteEnd"]
        ].decode()
        for f in body["value"]["facets"]
    }
    assert spans == {
        "mention": "@kim.bsky.sandbox",
        "link": "https://example.org/a?b=1",
        "tag": "#Library",
    }
    [mention] = [f for f in body["value"]["facets"] if "mention" in f["features"][0]["$type"]]
    assert mention["features"][0]["did"] == resolver(base).identity("kim.bsky.sandbox").did


def test_a_text_over_the_limits_is_refused_by_the_pds_too(base: str, adapter: Any) -> None:
    """The emulator holds the lexicon: what amplifier refuses, the PDS refuses as well."""
    from amplifier.platforms.base import Rejected

    tokens = connect(adapter, base, "lea")
    with pytest.raises(Rejected) as caught:
        adapter.publish(tokens, "👨‍👩‍👧‍👦" * 121, idempotency_key="amplifier-100")
    assert "3000" in caught.value.message
    assert adapter.text_problems("👨‍👩‍👧‍👦" * 121)
