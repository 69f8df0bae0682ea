"""The limiter against a real Redis, with several "workers" (limiters on separate connections)
in one process. Durations are only bounded below by what the policy implies, and above
generously: timing targets belong to the benchmark (tests/release/limits/bench_limits.py)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis

from amplifier.release.limits import LimitKey, LimitPolicy, RedisLimiter, policy_for
from config.settings import Settings

from .conftest import run
from .helpers import KEY, assert_paced, limiters


async def _server_now(url: str) -> datetime:
    client = aioredis.Redis.from_url(url)
    try:
        sec, usec = await client.time()
    finally:
        await client.aclose()
    return datetime.fromtimestamp(sec + usec / 1e6, UTC)


def test_bucket_rate_is_shared_by_two_workers(redis_url: str, prefix: str) -> None:
    policy = LimitPolicy(rate=20, per_s=1.0, burst=1)

    async def main() -> tuple[float, list[float]]:
        async with limiters(redis_url, prefix, policy, count=2) as (a, b):
            stamps: list[float] = []

            async def call(limiter: RedisLimiter) -> None:
                async with limiter.slot(KEY):
                    stamps.append(time.monotonic())

            t0 = time.monotonic()
            await asyncio.gather(*(call(a if i % 2 else b) for i in range(50)))
            return time.monotonic() - t0, stamps

    elapsed, stamps = run(main())
    assert len(stamps) == 50
    assert elapsed >= 49 / 20 - 0.05  # one token at once, then one every 50 ms
    assert elapsed < 15
    assert_paced(stamps, policy)


def test_burst_goes_at_once_then_the_rate(redis_url: str, prefix: str) -> None:
    policy = LimitPolicy(rate=20, per_s=1.0)  # burst defaults to rate

    async def main() -> list[float]:
        async with limiters(redis_url, prefix, policy) as (limiter,):
            stamps: list[float] = []

            async def call() -> None:
                async with limiter.slot(KEY):
                    stamps.append(time.monotonic())

            t0 = time.monotonic()
            await asyncio.gather(*(call() for _ in range(50)))
            return [s - t0 for s in stamps]

    stamps = sorted(run(main()))
    assert stamps[19] < 1.0  # the burst of 20 does not wait for the rate
    assert stamps[-1] >= 30 / 20 - 0.05
    assert stamps[-1] < 10
    assert_paced(stamps, policy)


def test_concurrency_cap_is_never_exceeded(redis_url: str, prefix: str) -> None:
    policy = LimitPolicy(rate=100_000, per_s=1.0, concurrency=5)

    async def main() -> tuple[int, int]:
        async with limiters(redis_url, prefix, policy, count=3) as workers:
            in_flight = peak = 0

            async def call(limiter: RedisLimiter, i: int) -> None:
                nonlocal in_flight, peak
                async with limiter.slot(KEY):
                    in_flight += 1
                    peak = max(peak, in_flight)
                    await asyncio.sleep(0.005 + (i % 4) * 0.005)
                    in_flight -= 1

            await asyncio.gather(*(call(workers[i % 3], i) for i in range(150)))
            status = await workers[0].status(KEY)
            return peak, status.in_flight

    peak, left = run(main())
    assert peak == 5  # reached, never passed
    assert left == 0


def test_cancelled_holder_and_cancelled_waiter_leave_nothing_behind(
    redis_url: str, prefix: str
) -> None:
    policy = LimitPolicy(rate=1000, per_s=1.0, concurrency=1)

    async def main() -> None:
        async with limiters(redis_url, prefix, policy, count=2) as (a, b):
            entered = asyncio.Event()

            async def holder() -> None:
                async with a.slot(KEY):
                    entered.set()
                    await asyncio.sleep(3600)

            async def waiter() -> None:
                async with b.slot(KEY):
                    await asyncio.sleep(3600)

            held = asyncio.create_task(holder())
            await entered.wait()
            waiting = asyncio.create_task(waiter())
            await asyncio.sleep(0.1)
            assert (await b.status(KEY)).in_flight == 1
            waiting.cancel()
            held.cancel()
            await asyncio.gather(held, waiting, return_exceptions=True)
            assert (await b.status(KEY)).in_flight == 0
            async with b.slot(KEY, timeout=1.0):
                pass

    run(main())


def test_a_dead_holders_place_comes_back_after_its_lease(redis_url: str, prefix: str) -> None:
    """A worker that never leaves its slot and stops renewing (as if killed) loses the place
    once the lease runs out; a live one keeps it past the lease by renewing."""
    policy = LimitPolicy(rate=1000, per_s=1.0, concurrency=1)

    async def main() -> float:
        async with limiters(redis_url, prefix, policy, count=2, lease_s=1.0) as (dead, other):
            live_cm = other.slot(KEY)
            await live_cm.__aenter__()
            await asyncio.sleep(1.5)  # past the lease: only renewal keeps it
            with pytest.raises(TimeoutError):
                async with dead.slot(KEY, timeout=0.2):
                    pass
            await live_cm.__aexit__(None, None, None)

            cm = dead.slot(KEY)
            await cm.__aenter__()  # and never __aexit__
            await dead.aclose()  # its renewals stop, as a killed process's would
            t0 = time.monotonic()
            async with other.slot(KEY, timeout=5.0):
                return time.monotonic() - t0

    waited = run(main())
    assert 0.9 <= waited < 3.0


def test_pause_stops_every_worker_until_the_time(redis_url: str, prefix: str) -> None:
    policy = LimitPolicy(rate=1000, per_s=1.0, concurrency=10)

    async def main() -> tuple[float, list[float]]:
        async with limiters(redis_url, prefix, policy, count=2) as (a, b):
            until = await _server_now(redis_url) + timedelta(seconds=1.0)
            t0 = time.monotonic()
            assert await a.pause(KEY, until) is not None
            # An earlier reset reported later by another worker does not shorten the pause.
            shorter = await b.pause(KEY, until - timedelta(seconds=0.8))
            assert shorter is not None and shorter >= until - timedelta(milliseconds=1)
            assert await a.remaining(KEY, 0.5) == 0
            status = await a.status(KEY)
            assert status.paused_until is not None
            stamps: list[float] = []

            async def call(limiter: RedisLimiter) -> None:
                async with limiter.slot(KEY):
                    stamps.append(time.monotonic() - t0)

            await asyncio.gather(*(call(a if i % 2 else b) for i in range(10)))
            return time.monotonic() - t0, stamps

    elapsed, stamps = run(main())
    assert min(stamps) >= 1.0 - 0.02
    assert elapsed < 5


def test_a_past_pause_is_ignored_and_resume_lifts_one(redis_url: str, prefix: str) -> None:
    policy = LimitPolicy(rate=1000, per_s=1.0)

    async def main() -> None:
        async with limiters(redis_url, prefix, policy) as (limiter,):
            now = await _server_now(redis_url)
            assert await limiter.pause(KEY, now - timedelta(seconds=5)) is None
            await limiter.pause(KEY, now + timedelta(hours=1))
            with pytest.raises(TimeoutError):
                async with limiter.slot(KEY, timeout=0.2):
                    pass
            await limiter.resume(KEY)
            async with limiter.slot(KEY, timeout=2.0):
                pass
            with pytest.raises(ValueError):
                await limiter.pause(KEY, datetime(2030, 1, 1))

    run(main())


def test_acquire_many_takes_a_page_and_remaining_tells_the_budget(
    redis_url: str, prefix: str
) -> None:
    policy = LimitPolicy(rate=100, per_s=10.0)  # 10 per second, bursts of 100

    async def main() -> None:
        async with limiters(redis_url, prefix, policy, count=2) as (a, b):
            assert await a.remaining(KEY, 10) in range(199, 202)
            assert await a.acquire_many(KEY, 60) == 60
            assert await b.acquire_many(KEY, 60) == 40  # what is left, not more
            assert await a.remaining(KEY, 0) == 0
            assert await a.remaining(KEY, 10) in range(99, 102)
            with pytest.raises(TimeoutError):
                await b.acquire_many(KEY, 5, timeout=0.02)  # the next token is 0.1 s away
            t0 = time.monotonic()
            assert await b.acquire_many(KEY, 5) >= 1
            assert time.monotonic() - t0 < 2
            # Prepaid posts only ask for a place; without a cap, not even that.
            async with a.slot(KEY, prepaid=True, timeout=0.01):
                pass

    run(main())


def test_hold_grants_what_is_free(redis_url: str, prefix: str) -> None:
    policy = LimitPolicy(rate=1000, per_s=1.0, concurrency=5)

    async def main() -> None:
        async with limiters(redis_url, prefix, policy, count=2) as (a, b):
            async with a.slot(KEY), b.hold(KEY, 7) as n:
                assert n == 4
                assert (await a.status(KEY)).in_flight == 5
                with pytest.raises(TimeoutError):
                    async with a.hold(KEY, 1, timeout=0.1):
                        pass
            assert (await a.status(KEY)).in_flight == 0

    run(main())


def test_keys_do_not_share_budgets(redis_url: str, prefix: str) -> None:
    policy = LimitPolicy(rate=1, per_s=60.0, burst=1)
    other = LimitKey("mastodon", "https://other.example")

    async def main() -> None:
        async with limiters(redis_url, prefix, policy) as (limiter,):
            await limiter.acquire_many(KEY, 1)
            assert await limiter.acquire_many(other, 1, timeout=0.5) == 1
            with pytest.raises(TimeoutError):
                await limiter.acquire_many(KEY, 1, timeout=0.2)

    run(main())


def test_policies_come_from_the_settings() -> None:
    settings = Settings(limit_x_app_per_day=1667, limit_mastodon_per_s=0.5)
    x = policy_for(LimitKey("x", "app"), settings)
    assert (x.rate, x.per_s, x.capacity, x.concurrency) == (1667, 86400.0, 1667, 200)
    m = policy_for(LimitKey("mastodon", "https://mastodon.social"), settings)
    assert m.per_second == 0.5 and m.concurrency == 50
    default = policy_for(LimitKey("mastodon", "https://a.example"), Settings())
    assert (default.rate, default.per_s, default.concurrency) == (100, 1.0, 50)
    with pytest.raises(ValueError):
        LimitPolicy(rate=0, per_s=1.0)


def test_limiter_rejects_a_lease_too_short_to_renew() -> None:
    with pytest.raises(ValueError):
        RedisLimiter(aioredis.Redis(), lease_s=0.01)
