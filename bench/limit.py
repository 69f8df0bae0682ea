"""The limit: a bare aiohttp client posting as fast as one process can, to the same sandbox.

One `ClientSession` with a large connector, `concurrency` coroutines pulling the next request
from a shared list, nothing else: no database, no queue, no token decryption. The release engine
can at best approach this rate on the same machine, against the same emulated latency.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from amplifier.platforms.facebook_pages.settings import GRAPH_VERSION


@dataclass(frozen=True)
class PostRequest:
    url: str
    headers: dict[str, str]
    json: dict[str, Any] | None = None
    data: dict[str, str] | None = None


@dataclass
class LimitResult:
    requests: int
    ok: int
    elapsed_s: float
    concurrency: int
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def posts_per_s(self) -> float:
        return self.ok / self.elapsed_s if self.elapsed_s > 0 else float("nan")


def x_post(x_url: str, token: str, text: str) -> PostRequest:
    return PostRequest(
        url=f"{x_url}/2/tweets",
        headers={"Authorization": f"Bearer {token}"},
        json={"text": text},
    )


def mastodon_post(instance_url: str, token: str, text: str, key: str) -> PostRequest:
    return PostRequest(
        url=f"{instance_url}/api/v1/statuses",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        data={"status": text, "visibility": "public"},
    )


def page_post(graph_base: str, token: str, page_id: str, text: str) -> PostRequest:
    """A Facebook Page post, as the adapter sends it (the pinned Graph version's `/feed`)."""
    return PostRequest(
        url=f"{graph_base}/{GRAPH_VERSION}/{page_id}/feed",
        headers={"Authorization": f"Bearer {token}"},
        data={"message": text},
    )


async def _blast(
    work: list[PostRequest], concurrency: int, request_timeout_s: float
) -> tuple[Counter[str], float]:
    statuses: Counter[str] = Counter()
    position = iter(range(len(work)))
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=request_timeout_s)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:

        async def runner() -> None:
            for i in position:
                req = work[i]
                try:
                    async with http.post(
                        req.url, headers=req.headers, json=req.json, data=req.data
                    ) as resp:
                        await resp.read()
                        statuses[str(resp.status)] += 1
                except (aiohttp.ClientError, TimeoutError) as exc:
                    statuses[type(exc).__name__] += 1

        started = time.perf_counter()
        await asyncio.gather(*(runner() for _ in range(min(concurrency, len(work)))))
        elapsed = time.perf_counter() - started
    return statuses, elapsed


def measure_limit(
    work: list[PostRequest],
    *,
    concurrency: int = 500,
    request_timeout_s: float = 30.0,
    max_s: float = 600.0,
) -> LimitResult:
    """Send every request once, `concurrency` at a time; bounded by `max_s` in all."""
    statuses, elapsed = asyncio.run(
        asyncio.wait_for(_blast(work, concurrency, request_timeout_s), timeout=max_s)
    )
    ok = sum(n for status, n in statuses.items() if status.isdigit() and status.startswith("2"))
    return LimitResult(
        requests=len(work),
        ok=ok,
        elapsed_s=elapsed,
        concurrency=concurrency,
        statuses=dict(statuses),
    )
