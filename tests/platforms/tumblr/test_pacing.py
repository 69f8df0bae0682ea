"""Tumblr's two windows per app key (1,000 calls an hour, 5,000 a day) pace a release.

The owner hears at creation, in numbers, what cannot leave at T; the limiter lets no more
than an hour's budget out in an hour and keeps the rest waiting (none dropped); the adapter reads
the windows Tumblr announces and its 429s.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis

from amplifier.platforms.base import RateLimited
from amplifier.platforms.tumblr.answers import rate_windows
from amplifier.release.limits import LimitKey, RedisLimiter, capacity_warnings, policy_for
from config.settings import Settings
from tests.release.limits.conftest import run

from ..helpers import admin
from .test_contract import connect, make, publish

KEY = LimitKey("tumblr", "app")


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_the_owner_is_told_in_numbers(settings: Settings) -> None:
    [warning] = capacity_warnings(
        {"tumblr": 3_000}, release_window_s=60, policies=lambda k: policy_for(k, settings)
    )
    assert "1,000 posts per 1 h and 5,000 posts per 24 h" in warning
    assert "2,000 would be late, the last about 2 h after the release time" in warning
    assert "Lower the goal to 1,000 on Tumblr" in warning
    assert capacity_warnings({"tumblr": 1_000}, release_window_s=60) == []
    [beyond_the_day] = capacity_warnings({"tumblr": 6_000}, release_window_s=60)
    assert "the last about 24 h after" in beyond_the_day


def test_more_pledges_than_an_hour_allows_wait_for_the_next_hour(
    redis_url: str, settings: Settings
) -> None:
    """1,200 posts at T: the hour's 1,000 leave, the 200 others wait (not dropped, not sent)."""

    async def main() -> None:
        client = aioredis.Redis.from_url(redis_url)
        limiter = RedisLimiter(
            client, lambda k: policy_for(k, settings), prefix=f"test-tumblr:{id(client)}"
        )
        try:
            granted = 0
            while granted < 1_000:
                granted += await limiter.acquire_many(KEY, 1_200 - granted, timeout=5)
            assert granted == 1_000
            with pytest.raises(TimeoutError):
                await limiter.acquire_many(KEY, 200, timeout=0.5)
            assert await limiter.remaining(KEY, 3_000) == 0  # not within the hour
            assert await limiter.remaining(KEY, 3_601) >= 200  # in the next one
        finally:
            await limiter.aclose()
            async for key in client.scan_iter(f"test-tumblr:{id(client)}:*"):
                await client.delete(key)
            await client.aclose()

    run(main())


def test_a_spent_hour_is_rate_limited_until_its_reset(tumblr_url: str) -> None:
    """Every call counts against the app key's hour: sign-in, then two posts spend three."""
    admin(tumblr_url, "faults", {"rate_limit": {"app_limit": 3, "app_window_s": 600}})
    adapter = make(tumblr_url)
    tokens = connect(adapter, "ann")
    publish(adapter, tokens, "First")
    publish(adapter, tokens, "Second")
    with pytest.raises(RateLimited) as refused:
        publish(adapter, tokens, "Third")
    now = datetime.now(UTC)
    retry_at = refused.value.retry_at
    assert retry_at is not None and now + timedelta(minutes=8) < retry_at
    assert retry_at <= now + timedelta(minutes=11)


def test_the_windows_are_read_from_the_headers() -> None:
    windows = rate_windows(
        200,
        {
            "X-Ratelimit-Perhour-Limit": "1000",
            "X-Ratelimit-Perhour-Remaining": "0",
            "X-Ratelimit-Perhour-Reset": "120",
            "X-Ratelimit-Perday-Limit": "5000",
            "X-Ratelimit-Perday-Remaining": "4000",
            "X-Ratelimit-Perday-Reset": "not a number",
        },
    )
    [hour] = windows
    assert hour.shared and hour.exhausted and hour.limit == 1000
    assert timedelta(seconds=100) < hour.reset - datetime.now(UTC) <= timedelta(seconds=122)
