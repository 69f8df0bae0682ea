"""The limiter: token buckets, lease-based semaphores and pauses shared through Redis."""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime

import redis.asyncio as aioredis

from amplifier import metrics
from amplifier.platforms.ratewindows import RateWindow, collecting_rate_windows
from amplifier.release.limits import lua
from amplifier.release.limits.local import Grant, KeyState, Queue, Request
from amplifier.release.limits.places import PlaceKeeper
from amplifier.release.limits.policy import LimitKey, LimitPolicy, LimitStatus, policy_for
from config.settings import get_settings

log = logging.getLogger(__name__)


class RedisLimiter:
    """Token buckets, lease-based semaphores and pauses shared by every worker through Redis.

    One limiter per event loop (its Redis client is bound to one), shared by all the
    coroutines of that loop: concurrent requests are batched into one script call, and places
    given back in the same instant into one ZREM.

    A caller cancelled while its grant is on the wire gets nothing: its places go to the next
    caller in line or back to Redis (a token, once spent, stays spent). A process that dies
    keeps its places only until their leases run out.
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        policies: Callable[[LimitKey], LimitPolicy] = policy_for,
        *,
        prefix: str = "amplifier:limit",
        lease_s: float | None = None,
        poll_s: float = 0.02,
        max_wait_s: float = 1.0,
        max_hold_s: float = 300.0,
        owns_client: bool = False,
    ) -> None:
        """`lease_s`: default the `AMPLIFIER_LIMIT_LEASE_S` setting. `poll_s`: how often this
        process asks again while places are full (a place given back here wakes it at once).
        `max_wait_s`: the longest sleep between two asks, so a lifted pause or another
        process's change is noticed. `max_hold_s`: a place held longer than this is no longer
        renewed — a caller stuck that long must not keep it forever."""
        self._redis = redis
        self._owns_client = owns_client  # aclose() also closes the Redis client
        self._policies = policies
        self._prefix = prefix
        self._lease_ms = round(1000 * (lease_s if lease_s is not None else _default_lease_s()))
        if self._lease_ms < 100:
            raise ValueError("a lease shorter than 0.1 s would expire under a live holder")
        self._poll_s = poll_s
        self._max_wait_s = max_wait_s
        self._acquire = redis.register_script(lua.ACQUIRE)
        self._pause = redis.register_script(lua.PAUSE)
        self._peek = redis.register_script(lua.PEEK)
        self._observe = redis.register_script(lua.OBSERVE)
        self._id = uuid.uuid4().hex[:16]
        self._seq = itertools.count(1)
        self._states: dict[LimitKey, KeyState] = {}
        self._places = PlaceKeeper(
            redis, self._states, lease_ms=self._lease_ms, max_hold_s=max_hold_s
        )

    # --- public face --------------------------------------------------------------------------

    @asynccontextmanager
    async def slot(
        self, key: LimitKey, *, prepaid: bool = False, timeout: float | None = None
    ) -> AsyncIterator[None]:
        """Wait for one token and one concurrency place, hold the place until exit.

        `prepaid=True` skips the token: the caller took it earlier with `acquire_many`.
        Raises TimeoutError if `timeout` seconds pass first. The rate-limit windows announced
        to the calls made inside (platforms/ratewindows.py) are learnt on exit (`observe`).
        """
        st = self._state(key)
        use_places = st.policy.concurrency is not None
        grant = Grant(1, [], None)
        if not prepaid or use_places:
            waiting = self._request(st, 1, not prepaid, use_places, timeout)
            grant = await metrics.limiter_wait(key.platform, waiting)  # METRICS
        try:
            with collecting_rate_windows() as seen:
                yield
        finally:
            if seen:  # learnt before the place is given back: the next grant knows it
                await self.observe(key, seen, seq=grant.seq)
            if grant.members:
                await self._places.release(st, grant.members)

    async def acquire_many(self, key: LimitKey, n: int, *, timeout: float | None = None) -> int:
        """Take up to `n` tokens in one round trip, waiting until at least one is available.

        For a page of posts: the engine takes the page's tokens at once, then enters
        `slot(key, prepaid=True)` per post (only a place is then asked for). Returns how many
        were granted (1..n); tokens not used are not given back — they were the budget.
        """
        if n < 1:
            raise ValueError("ask for at least one token")
        grant = await self._request(self._state(key), n, True, False, timeout)
        return grant.count

    @asynccontextmanager
    async def hold(
        self, key: LimitKey, n: int, *, timeout: float | None = None
    ) -> AsyncIterator[int]:
        """Hold up to `n` concurrency places (at least one), yielding how many were granted.

        For a worker that paces its own fan-out with a local semaphore of that size. Places
        are renewed for at most `max_hold_s`: release a page's places before then.
        """
        if n < 1:
            raise ValueError("ask for at least one place")
        st = self._state(key)
        cap = st.policy.concurrency
        if cap is None:
            yield n
            return
        want = min(n, cap, lua.MAX_PLACES_PER_CALL)
        grant = await self._request(st, want, False, True, timeout)
        try:
            yield grant.count
        finally:
            await self._places.release(st, grant.members)

    async def pause(self, key: LimitKey, until: datetime) -> datetime | None:
        """Stop every worker from using `key` until `until` (a platform's rate-limit reset).

        Never shortens a pause already set. Returns the end of the pause now in force, or None
        if `until` has already passed and no other pause holds.
        """
        if until.tzinfo is None:
            raise ValueError("pause needs an aware datetime (the platforms' resets are UTC)")
        st = self._state(key)
        metrics.limiter_paused(key.platform)  # METRICS (amplifier/metrics.py)
        ms = int(
            await self._pause(keys=[st.redis_keys[2]], args=[math.ceil(until.timestamp() * 1000)])
        )
        return datetime.fromtimestamp(ms / 1000, UTC) if ms else None

    async def observe(
        self, key: LimitKey, windows: Iterable[RateWindow], *, seq: int | None = None
    ) -> float:
        """Learn what the platform announced about `key`'s shared window (its headers).

        From then on no more calls are granted in that window than it has left (counting those
        granted since the call the answer was for: `seq`, None if unknown), and once it ran out
        the calls after its reset leave at its limit per its length, not all at once. Windows
        not shared by the key (one account's own) are ignored. Returns the seconds before the
        next call may leave (0: now). A Redis failure is logged, not raised: the call happened.
        """
        shared = [w for w in windows if w.shared]
        if not shared:
            return 0.0
        # The tightest: the least left, then the latest reset.
        w = min(shared, key=lambda w: (w.remaining, -w.reset.timestamp()))
        st = self._state(key)
        try:
            wait_ms = await self._observe(
                keys=[st.redis_keys[3]],
                args=[
                    w.limit,
                    w.remaining,
                    math.ceil(w.reset.timestamp() * 1000),
                    -1 if seq is None else seq,
                    1 if w.exhausted else 0,
                ],
            )
        except Exception as exc:
            log.warning("limit %s: could not record the announced window: %s", key, exc)
            return 0.0
        return int(wait_ms) / 1000

    async def resume(self, key: LimitKey) -> None:
        """Lift a pause early (an operator who knows better than the reset header)."""
        await self._redis.delete(self._state(key).redis_keys[2])

    async def warm(self) -> None:
        """Before T: open the connection and load the scripts into Redis, so that the first
        grants at T cost one round trip, not a connect and a NOSCRIPT answer before it.
        Redis errors propagate (the caller may ignore them: the first call retries)."""
        for script in (lua.ACQUIRE, lua.PAUSE, lua.PEEK, lua.OBSERVE):
            await self._redis.script_load(script)

    async def status(self, key: LimitKey) -> LimitStatus:
        st = self._state(key)
        tokens, live, paused_ms, _now, *_room = await self._peek_raw(st)
        return LimitStatus(
            key=key,
            policy=st.policy,
            tokens=tokens,
            in_flight=live,
            paused_until=datetime.fromtimestamp(paused_ms / 1000, UTC) if paused_ms else None,
        )

    async def remaining(self, key: LimitKey, window_s: float) -> int:
        """How many calls the budget allows in the next `window_s` seconds, pause included."""
        st = self._state(key)
        tokens, _live, paused_ms, now_ms, *room = await self._peek_raw(st)
        wait_s = max(0.0, (paused_ms - now_ms) / 1000)
        if wait_s >= window_s:
            return 0
        policy = st.policy
        rate = policy.rate / policy.per_s
        # the bucket's tokens and refill; each counted window's room now and its count again
        # per period begun
        allowed = min(float(policy.depth), tokens + wait_s * rate) + (window_s - wait_s) * rate
        for (n, p), free in zip(policy.also, room, strict=True):
            allowed = min(allowed, free + n * math.floor(window_s / p))
        return math.floor(allowed + 1e-9)

    async def aclose(self) -> None:
        """Give back places still queued for release and stop renewing leases."""
        for st in self._states.values():
            if st.release_task is not None:
                with suppress(Exception):
                    await asyncio.shield(st.release_task)
        self._places.stop()
        if self._owns_client:
            await self._redis.aclose()

    # --- inside ---------------------------------------------------------------------------------

    def _state(self, key: LimitKey) -> KeyState:
        st = self._states.get(key)
        if st is None:
            st = self._states[key] = KeyState(key, self._policies(key), self._prefix)
        return st

    async def _request(
        self, st: KeyState, want: int, use_tokens: bool, use_places: bool, timeout: float | None
    ) -> Grant:
        loop = asyncio.get_running_loop()
        queue = st.queues.get((use_tokens, use_places))
        if queue is None:
            queue = st.queues[(use_tokens, use_places)] = Queue()
        future: asyncio.Future[Grant] = loop.create_future()
        queue.pending.append(Request(want, future))
        if queue.flusher is None:
            queue.flusher = loop.create_task(self._flush(st, queue, use_tokens, use_places))
        try:
            if timeout is None:
                return await future
            try:  # asyncio.timeout, not wait_for: one timer per post, no waiter future
                async with asyncio.timeout(timeout):
                    return await future
            except TimeoutError:
                raise TimeoutError(f"no {st.key} slot within {timeout} s") from None
        except BaseException:
            # Cancelled after the grant was handed over but before this task resumed.
            if future.done() and not future.cancelled() and future.exception() is None:
                members = future.result().members
                if members:
                    self._places.release_soon(st, members)
            raise

    async def _flush(self, st: KeyState, queue: Queue, use_tokens: bool, use_places: bool) -> None:
        pending = queue.pending
        policy = st.policy
        per_ms = repr(policy.rate / policy.per_s / 1000)
        depth = policy.depth
        further = [v for n, p in policy.also for v in (n, round(p * 1000))]
        cap = policy.concurrency if use_places and policy.concurrency is not None else 0
        try:
            while True:
                while pending and pending[0].future.done():  # cancelled or timed out
                    pending.popleft()
                if not pending:
                    return
                want = sum(r.want for r in pending)
                if cap:
                    want = min(want, lua.MAX_PLACES_PER_CALL)
                holder = f"{self._id}:{next(self._seq)}"
                try:
                    raw = await self._acquire(
                        keys=st.redis_keys,
                        args=[
                            want,
                            1,
                            1 if use_tokens else 0,
                            per_ms,
                            depth,
                            cap,
                            self._lease_ms,
                            holder,
                            *further,
                        ],
                    )
                except Exception as exc:  # Redis unreachable: every waiter hears it
                    while pending:
                        request = pending.popleft()
                        if not request.future.done():
                            request.future.set_exception(exc)
                    return
                granted, wait_ms, reason, first_seq = (int(v) for v in raw)
                if granted:
                    seq = first_seq if use_tokens else None
                    self._hand_out(st, pending, granted, holder, bool(cap), seq)
                    continue
                wait_s = wait_ms / 1000
                if reason == lua.FULL:
                    wait_s = min(wait_s, self._poll_s)
                wait_s = min(max(wait_s, 0.001), self._max_wait_s)
                if reason == lua.FULL:
                    st.wake.clear()
                    with suppress(TimeoutError):
                        await asyncio.wait_for(st.wake.wait(), wait_s)
                else:
                    await asyncio.sleep(wait_s)
        finally:
            queue.flusher = None

    def _hand_out(
        self,
        st: KeyState,
        pending: deque[Request],
        granted: int,
        holder: str,
        places: bool,
        seq: int | None,
    ) -> None:
        """First come, first served; whatever a vanished caller would have had goes back.

        Token grants are numbered from `seq` in the order handed out (see `observe`)."""
        index, left = 1, granted
        while left and pending:
            request = pending[0]
            if request.future.done():
                pending.popleft()
                continue
            count = min(request.want, left)
            members = [f"{holder}:{i}" for i in range(index, index + count)] if places else []
            index += count
            left -= count
            pending.popleft()
            self._places.held(st, members)
            number = None if seq is None else seq + index - 1 - count
            request.future.set_result(Grant(count, members, number))
        if members_left := [f"{holder}:{i}" for i in range(index, index + left)] if places else []:
            self._places.release_soon(st, members_left)

    async def _peek_raw(self, st: KeyState) -> tuple[float, int, int, int, *tuple[int, ...]]:
        policy = st.policy
        counted = [v for n, p in policy.also for v in (n, round(p * 1000))]
        raw = await self._peek(
            keys=st.redis_keys,
            args=[repr(policy.rate / policy.per_s / 1000), policy.depth, *counted],
        )
        tokens = raw[0].decode() if isinstance(raw[0], bytes) else str(raw[0])
        return float(tokens), int(raw[1]), int(raw[2]), int(raw[3]), *(int(r) for r in raw[4:])


def _default_lease_s() -> float:
    return get_settings().limit_lease_s
