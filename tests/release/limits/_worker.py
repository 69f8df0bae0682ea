"""A limiter user in its own OS process, driven by tests/release/limits/test_processes.py.

    python -m tests.release.limits._worker '<json spec>'

It prints "ready", waits for a line on stdin, does its part and prints one JSON line of results
("hold" prints "held" and then waits to be killed).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import redis.asyncio as aioredis

from amplifier.release.limits import LimitKey, LimitPolicy, RedisLimiter


async def main(spec: dict[str, Any]) -> None:
    client = aioredis.Redis.from_url(spec["url"])
    policy = LimitPolicy(**spec["policy"])
    key = LimitKey(*spec["key"])
    limiter = RedisLimiter(
        client, lambda _k: policy, prefix=spec["prefix"], lease_s=spec.get("lease_s", 30.0)
    )
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    mode = spec["mode"]
    if mode == "rate":
        stamps: list[float] = []

        async def call() -> None:
            async with limiter.slot(key):
                stamps.append(time.time())

        await asyncio.gather(*(call() for _ in range(spec["calls"])))
        print(json.dumps({"stamps": stamps}), flush=True)
    elif mode == "concurrency":
        counter = spec["counter"]
        peak = 0

        async def hold_one() -> None:
            nonlocal peak
            async with limiter.slot(key):
                peak = max(peak, int(await client.incr(counter)))
                await asyncio.sleep(spec["hold_s"])
                await client.decr(counter)

        await asyncio.gather(*(hold_one() for _ in range(spec["calls"])))
        print(json.dumps({"peak": peak}), flush=True)
    elif mode == "hold":
        async with limiter.hold(key, spec["places"]) as n:
            print(json.dumps({"held": n}), flush=True)
            await asyncio.sleep(3600)
    await limiter.aclose()
    await client.aclose()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
