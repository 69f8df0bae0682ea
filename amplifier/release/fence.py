"""Fencing sends: a row is sent only while its claim is provably still this firer's.

A firer can stall with rows claimed — a VM pause, a swap storm, a blocked event loop, SIGSTOP —
for longer than the stale time; meanwhile another firer settles those rows and may post them. So
right before each send the firer checks its claim: if the claim was confirmed by the database
less than `fresh_s` ago (by the monotonic clock, which keeps counting while a process is stopped)
no other firer can have taken it; otherwise the row is re-claimed conditionally (claims.fence)
and dropped, unsent, if that fails.

Conditional re-claims are batched (group commit): whoever asks while a statement is under way
waits for the next one, so at thousands of sends a second a fence costs one statement per
database round trip, not one per row.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

FenceRun = Callable[[list[tuple[int, str]]], Awaitable[set[int]]]


class NotOurs(Exception):
    """The row's claim was taken over (the firer stalled past the stale time): do not send it."""


class FenceBatcher:
    """Conditional re-claims of (delivery id, claim token), many per database statement."""

    def __init__(self, run: FenceRun) -> None:
        self._run = run
        self._waiting: list[tuple[int, str, asyncio.Future[float | None]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def hold(self, delivery_id: int, token: str) -> float:
        """The monotonic time from which the claim is confirmed; raises NotOurs if it is lost.

        Database errors (after call_db's retries) propagate to the caller.
        """
        future: asyncio.Future[float | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((delivery_id, token, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        held_at = await future
        if held_at is None:
            raise NotOurs(f"delivery {delivery_id} is no longer held under {token}")
        return held_at

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            started = time.monotonic()  # claimed_at is stamped no earlier than this
            try:
                held = await self._run([(d, t) for d, t, _ in batch])
            except Exception as exc:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for delivery_id, _, future in batch:
                if not future.done():
                    future.set_result(started if delivery_id in held else None)
