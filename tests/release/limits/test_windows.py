"""Pacing to the windows a platform announces: the limiter, a real X adapter and the sandbox's X
over HTTP, with its app window made small (the sandbox reports it in `x-app-limit-24hour-*`).

Each post is driven the way the release engine drives it: a slot of the limiter around one
`publish_async`, and on a 429 a pause until the reset, then the same post again. What a user
would check: every post out exactly once, few 429s counted by the sandbox, and no window given
more posts than it announced (so the sends after each reset were spread, not all at once).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis
import requests

from amplifier.platforms.base import RateLimited, TokenSet
from amplifier.platforms.ratewindows import mastodon_rate_windows, x_rate_windows
from amplifier.platforms.x import XAdapter
from amplifier.release.limits import LimitKey, LimitPolicy, RedisLimiter
from amplifier.sandbox import RunningSandbox

from .conftest import run

X_APP = LimitKey("x", "app")
WINDOW_LIMIT, WINDOW_S = 15, 2.0
CONCURRENCY = 20  # calls in flight across both workers


def _tokens(sandbox: RunningSandbox, n: int) -> list[TokenSet]:
    answer = requests.post(
        f"{sandbox.x_url}/_sandbox/tokens",
        json={"users": [{"username": f"pace{i:03d}"} for i in range(n)]},
        timeout=30,
    )
    answer.raise_for_status()
    return [TokenSet(access_token=t["access_token"]) for t in answer.json()["tokens"]]


def _answers(sandbox: RunningSandbox) -> dict[str, int]:
    answer = requests.get(f"{sandbox.x_url}/_sandbox/stats", timeout=10)
    answer.raise_for_status()
    counts: dict[str, int] = answer.json()["answers"].get("POST /2/tweets", {})
    return counts


def _release(
    sandbox: RunningSandbox, redis_url: str, prefix: str, n: int
) -> tuple[list[float], int]:
    """Post n times at once through 2 limiters (two workers); the send times and the retries."""
    requests.post(
        f"{sandbox.x_url}/_sandbox/faults",
        json={"rate_limit": {"app_limit": WINDOW_LIMIT, "app_window_s": WINDOW_S}},
        timeout=10,
    ).raise_for_status()
    tokens = _tokens(sandbox, n)
    adapter = XAdapter(
        client_id=sandbox.x_client_id,
        client_secret=sandbox.x_client_secret,
        api_base=sandbox.x_url,
        timeout=10,
    )
    policy = LimitPolicy(rate=10_000, per_s=86_400, concurrency=CONCURRENCY)

    async def main() -> tuple[list[float], int]:
        clients = [aioredis.Redis.from_url(redis_url) for _ in range(2)]
        limiters = [RedisLimiter(c, lambda _k: policy, prefix=prefix) for c in clients]
        sessions = [adapter.async_session(limit=100) for _ in range(2)]
        sent: list[float] = []
        retries = 0

        async def post(i: int) -> None:
            nonlocal retries
            limiter, session = limiters[i % 2], sessions[i % 2]
            while True:
                async with limiter.slot(X_APP):
                    try:
                        sent.append(time.time())
                        await adapter.publish_async(
                            session, tokens[i], f"paced post {i}", idempotency_key=str(i)
                        )
                        return
                    except RateLimited as exc:
                        retries += 1
                        until = exc.retry_at or datetime.now(UTC) + timedelta(seconds=1)
                        await limiter.pause(X_APP, until)

        try:
            await asyncio.wait_for(asyncio.gather(*(post(i) for i in range(n))), 120)
        finally:
            for session in sessions:
                await session.close()
            for limiter in limiters:
                await limiter.aclose()
            for client in clients:
                await client.aclose()
        return sent, retries

    return run(main())


def test_sends_after_each_reset_are_paced_to_the_announced_window(
    sandbox: RunningSandbox, redis_url: str, prefix: str
) -> None:
    n = 6 * WINDOW_LIMIT  # six windows' worth, all wanting to leave at once
    sent, retries = _release(sandbox, redis_url, prefix, n)
    posts = requests.get(f"{sandbox.x_url}/_sandbox/posts", timeout=10).json()["posts"]
    texts = [p["text"] for p in posts]
    assert sorted(texts) == sorted(f"paced post {i}" for i in range(n))  # each exactly once
    answers = _answers(sandbox)
    assert answers.get("201") == n
    # Unpaced, the posts waiting at each reset all leave again and the places go round in the
    # second X's whole-second reset hides: ~100 429s here. Paced, only the first burst (sent
    # before any answer told the budget: CONCURRENCY - WINDOW_LIMIT of them) and a rounding
    # edge now and then meet one.
    too_many = answers.get("429", 0)
    assert too_many <= CONCURRENCY - WINDOW_LIMIT + 5, f"{too_many} answers were 429 ({answers})"
    assert retries == too_many
    # The last post cannot leave before the sixth window opened.
    assert max(sent) - min(sent) >= (n / WINDOW_LIMIT - 1) * WINDOW_S - 0.5


def test_only_a_shared_window_is_learnt() -> None:
    """X's app day binds every account; a user's own window and Mastodon's per-account one
    cannot pace a key shared by many accounts (docs: see platforms/ratewindows.py)."""
    reset = str(int(time.time()) + 60)
    x = x_rate_windows(
        200,
        {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "99",
            "x-rate-limit-reset": reset,
            "x-app-limit-24hour-limit": "200",
            "x-app-limit-24hour-remaining": "0",
            "x-app-limit-24hour-reset": reset,
        },
    )
    assert [(w.name, w.shared, w.exhausted) for w in x] == [
        ("x-app-limit-24hour", True, True),
        ("x-rate-limit", False, False),
    ]
    # X floors its epoch-second resets: nothing may leave before the next whole second.
    assert x[0].reset == datetime.fromtimestamp(int(reset) + 1, UTC)
    mastodon = mastodon_rate_windows(
        429,
        {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": "2030-01-01T00:05:00.000Z",
        },
    )
    assert [(w.shared, w.exhausted) for w in mastodon] == [(False, True)]
    junk = {"x-app-limit-24hour-limit": "lots", "x-app-limit-24hour-remaining": "-1"}
    assert x_rate_windows(429, junk) == []


def test_an_exhausted_window_holds_every_worker_until_its_reset(
    redis_url: str, prefix: str
) -> None:
    """Told "0 left, reset in 1 s", no worker gets a call before then; after it, the window's
    budget leaves spread over its length (one second's share at once), not all at once."""
    from amplifier.platforms.ratewindows import RateWindow

    policy = LimitPolicy(rate=10_000, per_s=1.0)

    async def main() -> list[float]:
        clients = [aioredis.Redis.from_url(redis_url) for _ in range(2)]
        a, b = (RedisLimiter(c, lambda _k: policy, prefix=prefix) for c in clients)
        try:
            sec, usec = await clients[0].time()
            now = datetime.fromtimestamp(sec + usec / 1e6, UTC)
            told = RateWindow("app", 20, 0, now + timedelta(seconds=1), True, True)
            wait = await a.observe(X_APP, [told])
            assert 0.5 < wait <= 1.01  # ms rounding
            t0 = time.monotonic()
            stamps: list[float] = []

            async def call(limiter: RedisLimiter) -> None:
                async with limiter.slot(X_APP):
                    stamps.append(time.monotonic() - t0)

            await asyncio.gather(*(call(a if i % 2 else b) for i in range(30)))
            return stamps
        finally:
            for limiter in (a, b):
                await limiter.aclose()
            for client in clients:
                await client.aclose()

    stamps = sorted(run(main()))
    assert stamps[0] >= 0.9  # held until the reset
    # The window is 20 per ~1 s (as long as the reset was away): 20 per second, burst 20.
    # 30 calls need at least the 10 beyond the first burst at 20/s.
    assert stamps[-1] - stamps[0] >= 10 / 20 - 0.1


def test_pacing_ends_with_the_backlog(redis_url: str, prefix: str) -> None:
    """A window after the exhausted one is paced; once a window does not run out (the backlog
    is gone), the next one's budget may leave at once again — a campaign the next day must not
    be spread over the day because an earlier one ran out."""
    from amplifier.platforms.ratewindows import RateWindow

    policy = LimitPolicy(rate=10_000, per_s=1.0)

    async def main() -> tuple[float, float]:
        client = aioredis.Redis.from_url(redis_url)
        limiter = RedisLimiter(client, lambda _k: policy, prefix=prefix)
        try:
            sec, usec = await client.time()
            now = datetime.fromtimestamp(sec + usec / 1e6, UTC)
            # 20 per ~3 s, spent: paced after the reset at 20 / 3 s, 6 at once at most
            await limiter.observe(
                X_APP, [RateWindow("app", 20, 0, now + timedelta(seconds=3), True, True)]
            )

            async def burst(n: int) -> float:
                t0 = time.monotonic()
                for _ in range(n):
                    async with limiter.slot(X_APP):
                        pass
                return time.monotonic() - t0

            await burst(1)  # waits for the reset
            paced = await burst(14)  # 6 at once, then ~6.7/s: >= 1.2 s; the window keeps 5
            await asyncio.sleep(3.2)  # that window ends without running out
            free = await burst(20)
            return paced, free
        finally:
            await limiter.aclose()
            await client.aclose()

    paced, free = run(main())
    assert paced >= (14 - 6) / (20 / 3.0) - 0.2
    assert free < paced  # not spread any more: the whole budget may leave at once
