"""What one process keeps about each key: its callers waiting in line and the places it holds."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from amplifier.release.limits.policy import LimitKey, LimitPolicy


@dataclass(slots=True)
class Grant:
    count: int  # tokens or places granted (both, when both were asked for)
    members: list[str]  # lease ids of the places granted, empty when the key has no cap
    seq: int | None = None  # the first token grant's number (lua.py), None without tokens


@dataclass(slots=True)
class Request:
    want: int
    future: asyncio.Future[Grant]


class Queue:
    """Callers of one kind (tokens, places or both) waiting on one key in this process.

    Whoever arrives while the queue's flusher is on the wire joins the next batch, so under load
    one script call serves many callers (group commit), and only the flusher ever waits on
    Redis: a thousand waiting coroutines cost one poll, not a thousand.
    """

    __slots__ = ("flusher", "pending")

    def __init__(self) -> None:
        self.pending: deque[Request] = deque()
        self.flusher: asyncio.Task[None] | None = None


class KeyState:
    __slots__ = (
        "held",
        "key",
        "leases",
        "policy",
        "queues",
        "redis_keys",
        "release_done",
        "release_members",
        "release_task",
        "wake",
    )

    def __init__(self, key: LimitKey, policy: LimitPolicy, prefix: str) -> None:
        self.key = key
        self.policy = policy
        # One hash tag per key keeps its Redis keys in one Cluster slot.
        base = f"{prefix}:{{{key.platform}|{key.scope}}}"
        self.redis_keys = [f"{base}:bucket", f"{base}:leases", f"{base}:pause", f"{base}:window"]
        # one log per exactly counted window (lua.ACQUIRE's KEYS[5..])
        self.redis_keys += [f"{base}:log:{n}:{p:g}" for n, p in policy.also]
        self.leases = self.redis_keys[1]
        self.queues: dict[tuple[bool, bool], Queue] = {}
        self.wake = asyncio.Event()  # set when this process gives places back
        self.held: dict[str, float] = {}  # lease id -> monotonic time it was granted
        self.release_members: list[str] = []
        self.release_done: asyncio.Future[None] | None = None
        self.release_task: asyncio.Task[None] | None = None
