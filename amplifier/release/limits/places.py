"""Concurrency places this process holds: given back in batches, renewed while held.

A place is a member of the key's lease sorted set (scored by expiry). Everyone leaving in the
same instant shares one ZREM; one loop renews every place this process still holds, one call
per key per round, and lets go of a place held longer than `max_hold_s`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping

import redis.asyncio as aioredis

from amplifier.release.limits import lua
from amplifier.release.limits.local import KeyState
from amplifier.release.limits.policy import LimitKey

log = logging.getLogger(__name__)


class PlaceKeeper:
    def __init__(
        self,
        redis: aioredis.Redis,
        states: Mapping[LimitKey, KeyState],
        *,
        lease_ms: int,
        max_hold_s: float,
    ) -> None:
        self._redis = redis
        self._states = states
        self._lease_ms = lease_ms
        self._max_hold_s = max_hold_s
        self._renew = redis.register_script(lua.RENEW)
        self._renewer: asyncio.Task[None] | None = None

    def held(self, st: KeyState, members: list[str]) -> None:
        """Places just granted to callers of this process: renew them from now on."""
        now = time.monotonic()
        for member in members:
            st.held[member] = now
        if st.held and self._renewer is None:
            self._renewer = asyncio.get_running_loop().create_task(self._renew_loop())

    async def release(self, st: KeyState, members: list[str]) -> None:
        # Shielded: a caller cancelled on its way out must not undo the others' batch.
        await asyncio.shield(self.release_soon(st, members))

    def release_soon(self, st: KeyState, members: list[str]) -> asyncio.Future[None]:
        """Queue places for the next ZREM; everyone leaving in the same instant shares it."""
        loop = asyncio.get_running_loop()
        for member in members:
            st.held.pop(member, None)
        st.release_members.extend(members)
        if st.release_done is None:
            st.release_done = loop.create_future()
        done = st.release_done
        if st.release_task is None:
            st.release_task = loop.create_task(self._flush_releases(st))
        return done

    def stop(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            self._renewer = None

    async def _flush_releases(self, st: KeyState) -> None:
        try:
            while st.release_members:
                batch, st.release_members = st.release_members, []
                done, st.release_done = st.release_done, None
                try:
                    await self._redis.zrem(st.leases, *batch)
                except Exception as exc:
                    # The post has happened; failing its caller now would hide that. The
                    # leases run out on their own.
                    log.warning(
                        "limit %s: could not give %d places back: %s", st.key, len(batch), exc
                    )
                if done is not None and not done.done():
                    done.set_result(None)
                st.wake.set()
        finally:
            st.release_task = None

    async def _renew_loop(self) -> None:
        """Keeps this process's leases alive while it holds any; one call per key per round."""
        try:
            while any(st.held for st in self._states.values()):
                await asyncio.sleep(self._lease_ms / 3000)
                now = time.monotonic()
                for st in list(self._states.values()):
                    for member, since in list(st.held.items()):
                        if now - since > self._max_hold_s:
                            del st.held[member]
                            log.warning(
                                "limit %s: place held %.0f s, letting it expire",
                                st.key,
                                now - since,
                            )
                    members = list(st.held)
                    if not members:
                        continue
                    try:
                        renewed = int(
                            await self._renew(keys=[st.leases], args=[self._lease_ms, *members])
                        )
                    except Exception as exc:
                        log.warning("limit %s: could not renew leases: %s", st.key, exc)
                        continue
                    if renewed < len(members):
                        log.warning(
                            "limit %s: %d of %d leases had run out before renewal "
                            "(was this process stalled?)",
                            st.key,
                            len(members) - renewed,
                            len(members),
                        )
        finally:
            if self._renewer is asyncio.current_task():
                self._renewer = None
