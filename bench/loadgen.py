"""A small HTTP load generator: C connections, each sending GETs back to back for a while.

One process, one aiohttp `ClientSession` with a connection pool of C keep-alive connections and
no cookie jar (every request is a first visit, like a crowd following a shared link). Each
answer's latency is the time from sending to the last byte read. The generator's own CPU use is
reported (`client_cpu`: process CPU seconds per wall second): near 1.0 means the generator, not
the server, was the limit, and the figures are the generator's.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import aiohttp


@dataclass
class Run:
    url: str
    seconds: float
    latencies_s: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    client_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies_s) / self.seconds if self.seconds > 0 else 0.0

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(self.latencies_s)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
        return ordered[index] * 1000


async def _drive(url: str, connections: int, seconds: float, warmup_s: float) -> Run:
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    timeout = aiohttp.ClientTimeout(total=10)
    run = Run(url, seconds)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        measuring_from = time.perf_counter() + warmup_s
        until = measuring_from + seconds

        async def one_connection() -> None:
            while True:
                started = time.perf_counter()
                if started >= until:
                    return
                try:
                    async with session.get(url, allow_redirects=False) as answer:
                        await answer.read()
                        status = answer.status
                except (aiohttp.ClientError, TimeoutError):
                    if started >= measuring_from:
                        run.errors += 1
                    continue
                if started >= measuring_from:
                    run.latencies_s.append(time.perf_counter() - started)
                    run.statuses[status] = run.statuses.get(status, 0) + 1

        cpu_before, wall_before = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one_connection() for _ in range(connections)))
        wall = time.perf_counter() - wall_before
        run.client_cpu = (time.process_time() - cpu_before) / wall if wall > 0 else 0.0
    return run


def drive(url: str, *, connections: int, seconds: float, warmup_s: float = 1.0) -> Run:
    """GET `url` from `connections` connections for `warmup_s` + `seconds`; measures the last
    `seconds` only."""
    return asyncio.run(_drive(url, connections, seconds, warmup_s))
