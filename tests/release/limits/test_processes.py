"""Workers in separate OS processes sharing one budget, and one of them killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis

from amplifier.release.limits import LimitPolicy

from .conftest import run
from .helpers import KEY, assert_paced, limiters

ROOT = Path(__file__).resolve().parents[3]


class Worker:
    def __init__(self, spec: dict[str, Any]) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.release.limits._worker", json.dumps(spec)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def line(self) -> str:
        assert self.proc.stdout is not None
        text = self.proc.stdout.readline()
        assert text, f"worker exited with {self.proc.poll()}"
        return text.strip()

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()


@contextmanager
def workers(specs: Sequence[dict[str, Any]]) -> Iterator[list[Worker]]:
    started = [Worker(spec) for spec in specs]
    try:
        for w in started:
            assert w.line() == "ready"
        yield started
    finally:
        for w in started:
            if w.proc.poll() is None:
                w.proc.kill()
            w.proc.wait(10)
            for stream in (w.proc.stdin, w.proc.stdout):
                if stream is not None:
                    stream.close()


def _spec(redis_url: str, prefix: str, policy: LimitPolicy, **extra: Any) -> dict[str, Any]:
    return {
        "url": redis_url,
        "prefix": prefix,
        "key": [KEY.platform, KEY.scope],
        "policy": {
            "rate": policy.rate,
            "per_s": policy.per_s,
            "burst": policy.burst,
            "concurrency": policy.concurrency,
        },
        **extra,
    }


def test_two_processes_share_the_rate(redis_url: str, prefix: str) -> None:
    policy = LimitPolicy(rate=20, per_s=1.0, burst=1)
    spec = _spec(redis_url, prefix, policy, mode="rate", calls=25)
    with workers([spec, spec]) as ws:
        for w in ws:
            w.go()
        stamps = [s for w in ws for s in json.loads(w.line())["stamps"]]
    assert len(stamps) == 50
    assert max(stamps) - min(stamps) >= 49 / 20 - 0.05
    assert max(stamps) - min(stamps) < 15
    assert_paced(stamps, policy)


def test_two_processes_share_the_concurrency_cap(redis_url: str, prefix: str) -> None:
    policy = LimitPolicy(rate=100_000, per_s=1.0, concurrency=4)
    counter = f"{prefix}:in-flight"
    spec = _spec(redis_url, prefix, policy, mode="concurrency", calls=40, hold_s=0.01)
    spec["counter"] = counter
    with workers([spec, spec]) as ws:
        for w in ws:
            w.go()
        peaks = [json.loads(w.line())["peak"] for w in ws]
    assert max(peaks) <= 4
    client = redis.Redis.from_url(redis_url)
    try:
        assert int(client.get(counter) or 0) == 0
    finally:
        client.close()


def test_places_of_a_killed_process_come_back(redis_url: str, prefix: str) -> None:
    policy = LimitPolicy(rate=1000, per_s=1.0, concurrency=3)
    spec = _spec(redis_url, prefix, policy, mode="hold", places=3, lease_s=1.0)

    async def in_flight() -> int:
        async with limiters(redis_url, prefix, policy, lease_s=1.0) as (limiter,):
            return (await limiter.status(KEY)).in_flight

    async def take_one() -> float:
        async with limiters(redis_url, prefix, policy, lease_s=1.0) as (limiter,):
            t0 = time.monotonic()
            async with limiter.slot(KEY, timeout=10):
                return time.monotonic() - t0

    with workers([spec]) as (w,):
        w.go()
        assert json.loads(w.line()) == {"held": 3}
        time.sleep(2.0)  # twice the lease: the live process renews its places
        assert run(in_flight()) == 3
        os.kill(w.proc.pid, signal.SIGKILL)
        w.proc.wait(10)
        waited = run(take_one())
    assert waited < 3.0  # at most one lease after the last renewal, plus slack
    assert run(in_flight()) == 0
