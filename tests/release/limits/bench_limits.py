"""Throughput of the limiter against a real Redis (not collected by pytest: run it by hand).

    .venv/bin/python -m tests.release.limits.bench_limits [redis://127.0.0.1:6379/14] [--seconds 3]

Measures, in one process: `slot` entered and left by 1 and by 200 concurrent coroutines with a
budget that never runs dry, `slot(prepaid=True)` after `acquire_many`, and `acquire_many` pages.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

import redis.asyncio as aioredis

from amplifier.release.limits import LimitKey, LimitPolicy, RedisLimiter

KEY = LimitKey("bench", "local")
OPEN = LimitPolicy(rate=10_000_000, per_s=1.0, concurrency=100_000)


async def _run(url: str, seconds: float) -> None:
    pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=64)
    client = aioredis.Redis(connection_pool=pool)
    prefix = f"bench:{uuid.uuid4().hex}"
    limiter = RedisLimiter(client, lambda _k: OPEN, prefix=prefix)

    async def slots(workers: int, prepaid: bool = False) -> float:
        count = 0
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal count
            while time.perf_counter() < stop:
                async with limiter.slot(KEY, prepaid=prepaid):
                    count += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        return count / (time.perf_counter() - t0)

    async def pages(size: int) -> float:
        count = 0
        stop = time.perf_counter() + seconds
        t0 = time.perf_counter()
        while time.perf_counter() < stop:
            count += await limiter.acquire_many(KEY, size)
        return count / (time.perf_counter() - t0)

    print(f"slot, 1 coroutine:            {await slots(1):>10,.0f} slots/s")
    print(f"slot, 200 coroutines:         {await slots(200):>10,.0f} slots/s")
    print(f"slot(prepaid), 200 coroutines:{await slots(200, True):>10,.0f} slots/s")
    print(f"acquire_many(200), 1 caller:  {await pages(200):>10,.0f} tokens/s")
    print(f"acquire_many(1), 1 caller:    {await pages(1):>10,.0f} tokens/s")
    async for k in client.scan_iter(f"{prefix}:*"):
        await client.delete(k)
    await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url", nargs="?", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    asyncio.run(_run(args.url, args.seconds))


if __name__ == "__main__":
    main()
