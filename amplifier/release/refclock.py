"""One clock for every worker: Redis's.

Posts must leave at T on every machine at once, and a worker whose own clock is a few seconds off
would otherwise fire early or late. Each process measures the offset between its clock and the
Redis server's `TIME` (the shared broker every worker already talks to), corrected by half the
round trip, and adds it to its own readings; it re-measures every `resync_s`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta


class ReferenceClock:
    def __init__(self, redis_url: str | None, *, resync_s: float = 30.0) -> None:
        self._redis_url = redis_url
        self._resync_s = resync_s
        self._offset_s = 0.0
        self._synced_at = float("-inf")
        self._lock = threading.Lock()

    @property
    def offset_s(self) -> float:
        self._maybe_sync()
        return self._offset_s

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.offset_s, tz=UTC)

    def seconds_until(self, moment: datetime) -> float:
        return (moment - self.now()) / timedelta(seconds=1)

    async def wait_until(self, moment: datetime) -> None:
        while (remaining := self.seconds_until(moment)) > 0:
            await asyncio.sleep(min(remaining, 0.5))

    def _maybe_sync(self) -> None:
        if self._redis_url is None or time.monotonic() - self._synced_at < self._resync_s:
            return
        with self._lock:
            if time.monotonic() - self._synced_at < self._resync_s:
                return
            try:
                self._offset_s = _measure_offset(self._redis_url)
            except Exception:  # a Redis blip keeps the last offset; the next call tries again
                if self._synced_at == float("-inf"):
                    self._offset_s = 0.0
            self._synced_at = time.monotonic()


def _measure_offset(redis_url: str, samples: int = 5) -> float:
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=2)
    try:
        best: tuple[float, float] | None = None
        for _ in range(samples):
            before = time.time()
            seconds, micros = client.time()
            after = time.time()
            rtt = after - before
            offset = seconds + micros / 1e6 - (before + after) / 2
            if best is None or rtt < best[0]:
                best = (rtt, offset)
        assert best is not None
        return best[1]
    finally:
        client.close()
