"""Threads' 250 posts per profile per 24 hours, checked for each pledge while preparing: a
profile that used its quota is dropped before T with a plain reason, not refused at T."""

from __future__ import annotations

import asyncio

import pytest

from amplifier.platforms.base import Draft, Rejected, Staged, TokenSet
from amplifier.platforms.threads import ThreadsAdapter

from ..helpers import admin, posts
from ..test_threads_contract import connect, make, publish


def stage(adapter: ThreadsAdapter, tokens: TokenSet, text: str) -> Staged:
    async def prepare() -> Staged:
        async with adapter.async_session(limit=4) as session:
            return await adapter.stage_async(session, tokens, Draft(text))

    return asyncio.run(prepare())


def test_a_profile_with_its_quota_used_up_is_refused_at_preparation(threads_url: str) -> None:
    # the emulator's quota is its publishing window; two posts stand for Threads' 250
    admin(threads_url, "faults", {"rate_limit": {"user_limit": 2, "user_window_s": 86400}})
    adapter = make(threads_url)
    tokens = connect(adapter, "max")
    publish(adapter, tokens, "one")
    assert stage(adapter, tokens, "two")  # one left: staged
    publish(adapter, tokens, "two, from elsewhere")
    with pytest.raises(Rejected, match=r"already published 2 posts .* Threads' limit of 2"):
        stage(adapter, tokens, "three")
    assert len(posts(threads_url)) == 2


def test_the_default_quota_is_250_a_day(threads_url: str) -> None:
    import requests

    adapter = make(threads_url)
    tokens = connect(adapter, "nia")
    me = tokens.extras["threads_user_id"]
    answer = requests.get(
        f"{threads_url}/v1.0/{me}/threads_publishing_limit",
        params={"fields": "quota_usage,config"},
        headers={"Authorization": f"Bearer {tokens.access_token}"},
        timeout=5,
    ).json()
    assert answer["data"][0]["config"] == {"quota_total": 250, "quota_duration": 86400}
    assert stage(adapter, tokens, "plenty left")
