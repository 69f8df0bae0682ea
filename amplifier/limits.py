"""Per-platform limits that every release worker on every machine obeys together, through Redis.

A release fans thousands of posts out at one instant from Celery tasks on several processes and
machines. Each process pacing itself would multiply the platform's budget by the number of
workers, so the budget lives in Redis and every grant is decided there, atomically, by Lua:

- a token bucket per `LimitKey` (X's per-app quota, one Mastodon instance's politeness rate),
  refilled from Redis's own clock so that machines with skewed clocks agree;
- a concurrency semaphore per key, made of leases (a sorted set of holder ids scored by expiry):
  a worker killed with `kill -9` while holding places cannot give them back, so its leases
  simply run out and the places return; live holders renew theirs;
- a pause per key: after a 429 every worker waits for the platform's reset time.

One `EVALSHA` decides a grant (tokens and places together, so a caller never holds one while
waiting for the other), one `ZREM` gives places back. Inside a process, callers of one key
queue locally and one flusher speaks for all of them: those arriving while a call is on the
wire share the next one (group commit: 200 coroutines cost a few calls, not 200), and only
the flusher waits — the exact time the bucket computed, the pause's end, or a short poll while
places are full (cut short when this process gives one back). Waiting never spins.

`capacity_warnings` turns the same policies into sentences an owner can act on before a release.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

import redis.asyncio as aioredis

from config.settings import Settings, get_settings

log = logging.getLogger(__name__)

__all__ = [
    "LimitKey",
    "LimitPolicy",
    "LimitStatus",
    "RedisLimiter",
    "capacity_warnings",
    "policy_for",
]


@dataclass(frozen=True, slots=True)
class LimitKey:
    """What one budget is shared by: ("x", "app"), ("mastodon", "https://mastodon.social")."""

    platform: str
    scope: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.scope}"


@dataclass(frozen=True, slots=True)
class LimitPolicy:
    """`rate` calls per `per_s` seconds with bursts up to `burst` (default `rate`), and at most
    `concurrency` calls in flight across all workers (None: no cap)."""

    rate: int
    per_s: float
    burst: int | None = None
    concurrency: int | None = None

    def __post_init__(self) -> None:
        if self.rate < 1 or self.per_s <= 0:
            raise ValueError(f"a limit needs rate >= 1 and per_s > 0, not {self.rate}/{self.per_s}")
        if self.burst is not None and self.burst < 1:
            raise ValueError(f"burst must be at least 1, not {self.burst}")
        if self.concurrency is not None and self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1 or None, not {self.concurrency}")

    @property
    def capacity(self) -> int:
        """The most calls that may leave at once after a quiet spell."""
        return self.rate if self.burst is None else self.burst

    @property
    def per_second(self) -> float:
        return self.rate / self.per_s


DAY_S = 24 * 3600.0

# Platforms we do not know yet still go out politely rather than not at all.
_FALLBACK = LimitPolicy(rate=10, per_s=1.0, concurrency=20)


def policy_for(key: LimitKey, settings: Settings | None = None) -> LimitPolicy:
    """The documented (X) or polite (Mastodon) budget of a key, from settings so that an app with
    a different X access tier needs no code change."""
    s = settings or get_settings()
    if key.platform == "x":
        return LimitPolicy(
            rate=s.limit_x_app_per_day, per_s=DAY_S, concurrency=s.limit_x_concurrency
        )
    if key.platform == "mastodon":
        per_s = s.limit_mastodon_per_s
        # An integer count per period keeps buckets exact for fractional rates like 0.5/s.
        rate, period = (round(per_s), 1.0) if per_s >= 1 else (1, 1.0 / per_s)
        return LimitPolicy(rate=rate, per_s=period, concurrency=s.limit_mastodon_concurrency)
    return _FALLBACK


@dataclass(frozen=True, slots=True)
class LimitStatus:
    """A snapshot for the owner's status page and for logs."""

    key: LimitKey
    policy: LimitPolicy
    tokens: float
    in_flight: int
    paused_until: datetime | None


# --- Lua: every decision about a key is taken inside Redis, against Redis's clock -------------

# KEYS: bucket hash, leases zset, pause string.
# ARGV: wanted, needed, use tokens (0/1), refill per ms, burst, concurrency cap (0: no
#       places), lease ms, holder id prefix.
# Grants g with needed <= g <= wanted tokens and places together (places are the members
# prefix:1..g), or nothing. Returns {g, wait ms, reason}: reason 0 = granted, 1 = paused,
# 2 = no token yet (wait is exact), 3 = places full (wait: until the first lease runs out).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused > now then return {0, paused - now, 1} end
local want, need = tonumber(ARGV[1]), tonumber(ARGV[2])
local use_tokens, per_ms, burst = ARGV[3] == '1', tonumber(ARGV[4]), tonumber(ARGV[5])
local cap, lease = tonumber(ARGV[6]), tonumber(ARGV[7])
local give, tokens = want, burst
if use_tokens then
  local b = redis.call('HMGET', KEYS[1], 't', 'ts')
  if b[1] then
    tokens = math.min(burst, tonumber(b[1]) + math.max(0, now - tonumber(b[2])) * per_ms)
  end
  if tokens < need then return {0, math.ceil((need - tokens) / per_ms), 2} end
  give = math.min(give, math.floor(tokens))
end
if cap > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local free = cap - redis.call('ZCARD', KEYS[2])
  if free < need then
    local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    local hint = lease
    if first[2] then hint = tonumber(first[2]) - now end
    return {0, hint, 3}
  end
  give = math.min(give, free)
  local args = {}
  for i = 1, give do
    args[#args + 1] = now + lease
    args[#args + 1] = ARGV[8] .. ':' .. i
  end
  redis.call('ZADD', KEYS[2], unpack(args))
  redis.call('PEXPIRE', KEYS[2], lease + 1000)
end
if use_tokens then
  tokens = tokens - give
  redis.call('HSET', KEYS[1], 't', string.format('%.6f', tokens), 'ts', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / per_ms) + 1000)
end
return {give, 0, 0}
"""

# KEYS: leases zset. ARGV: lease ms, holder ids. Only leases still present are renewed: one
# that ran out may already have been given to someone else.
_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local exp = now + tonumber(ARGV[1])
local args = {}
for i = 2, #ARGV do
  args[#args + 1] = exp
  args[#args + 1] = ARGV[i]
end
local n = redis.call('ZADD', KEYS[1], 'XX', 'CH', unpack(args))
if n > 0 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 1000) end
return n
"""

# KEYS: pause string. ARGV: until (epoch ms). A pause is only ever lengthened: two workers
# hitting the same 429 with different reset times must both be honoured.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local u = tonumber(ARGV[1])
if u > cur and u > now then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', u - now)
  return u
end
if cur > now then return cur end
return 0
"""

# KEYS: bucket, leases, pause. ARGV: refill per ms, burst. Read-only.
# Returns {tokens as string, live leases, paused until ms, now ms}.
_PEEK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local per_ms, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokens = burst
local b = redis.call('HMGET', KEYS[1], 't', 'ts')
if b[1] then
  tokens = math.min(burst, tonumber(b[1]) + math.max(0, now - tonumber(b[2])) * per_ms)
end
local live = redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused <= now then paused = 0 end
return {string.format('%.6f', tokens), live, paused, now}
"""

_GRANTED, _PAUSED, _NO_TOKEN, _FULL = 0, 1, 2, 3
_MAX_PLACES_PER_CALL = 1000  # Lua's unpack() has a stack limit; no page is this large.


@dataclass(slots=True)
class _Grant:
    count: int  # tokens or places granted (both, when both were asked for)
    members: list[str]  # lease ids of the places granted, empty when the key has no cap


@dataclass(slots=True)
class _Request:
    want: int
    future: asyncio.Future[_Grant]


class _Queue:
    """Callers of one kind (tokens, places or both) waiting on one key in this process.

    Whoever arrives while the queue's flusher is on the wire joins the next batch, so under load
    one script call serves many callers (group commit), and only the flusher ever waits on
    Redis: a thousand waiting coroutines cost one poll, not a thousand.
    """

    __slots__ = ("flusher", "pending")

    def __init__(self) -> None:
        self.pending: deque[_Request] = deque()
        self.flusher: asyncio.Task[None] | None = None


class _KeyState:
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
        # One hash tag per key keeps its three Redis keys in one Cluster slot.
        base = f"{prefix}:{{{key.platform}|{key.scope}}}"
        self.redis_keys = [f"{base}:bucket", f"{base}:leases", f"{base}:pause"]
        self.leases = self.redis_keys[1]
        self.queues: dict[tuple[bool, bool], _Queue] = {}
        self.wake = asyncio.Event()  # set when this process gives places back
        self.held: dict[str, float] = {}  # lease id -> monotonic time it was granted
        self.release_members: list[str] = []
        self.release_done: asyncio.Future[None] | None = None
        self.release_task: asyncio.Task[None] | None = None


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
        self._max_hold_s = max_hold_s
        self._acquire = redis.register_script(_ACQUIRE)
        self._renew = redis.register_script(_RENEW)
        self._pause = redis.register_script(_PAUSE)
        self._peek = redis.register_script(_PEEK)
        self._id = uuid.uuid4().hex[:16]
        self._seq = itertools.count(1)
        self._states: dict[LimitKey, _KeyState] = {}
        self._renewer: asyncio.Task[None] | None = None

    # --- public face --------------------------------------------------------------------------

    @asynccontextmanager
    async def slot(
        self, key: LimitKey, *, prepaid: bool = False, timeout: float | None = None
    ) -> AsyncIterator[None]:
        """Wait for one token and one concurrency place, hold the place until exit.

        `prepaid=True` skips the token: the caller took it earlier with `acquire_many`.
        Raises TimeoutError if `timeout` seconds pass first.
        """
        st = self._state(key)
        use_places = st.policy.concurrency is not None
        if prepaid and not use_places:
            yield
            return
        grant = await self._request(st, 1, not prepaid, use_places, timeout)
        try:
            yield
        finally:
            if grant.members:
                await self._release(st, grant.members)

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
        want = min(n, cap, _MAX_PLACES_PER_CALL)
        grant = await self._request(st, want, False, True, timeout)
        try:
            yield grant.count
        finally:
            await self._release(st, grant.members)

    async def pause(self, key: LimitKey, until: datetime) -> datetime | None:
        """Stop every worker from using `key` until `until` (a platform's rate-limit reset).

        Never shortens a pause already set. Returns the end of the pause now in force, or None
        if `until` has already passed and no other pause holds.
        """
        if until.tzinfo is None:
            raise ValueError("pause needs an aware datetime (the platforms' resets are UTC)")
        st = self._state(key)
        ms = int(
            await self._pause(keys=[st.redis_keys[2]], args=[math.ceil(until.timestamp() * 1000)])
        )
        return datetime.fromtimestamp(ms / 1000, UTC) if ms else None

    async def resume(self, key: LimitKey) -> None:
        """Lift a pause early (an operator who knows better than the reset header)."""
        await self._redis.delete(self._state(key).redis_keys[2])

    async def status(self, key: LimitKey) -> LimitStatus:
        st = self._state(key)
        tokens, live, paused_ms, _now = await self._peek_raw(st)
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
        tokens, _live, paused_ms, now_ms = await self._peek_raw(st)
        per_s = st.policy.per_second
        wait_s = max(0.0, (paused_ms - now_ms) / 1000)
        if wait_s >= window_s:
            return 0
        at_resume = min(float(st.policy.capacity), tokens + wait_s * per_s)
        return math.floor(at_resume + (window_s - wait_s) * per_s + 1e-9)

    async def aclose(self) -> None:
        """Give back places still queued for release and stop renewing leases."""
        for st in self._states.values():
            if st.release_task is not None:
                with suppress(Exception):
                    await asyncio.shield(st.release_task)
        if self._renewer is not None:
            self._renewer.cancel()
            self._renewer = None
        if self._owns_client:
            await self._redis.aclose()

    # --- inside ---------------------------------------------------------------------------------

    def _state(self, key: LimitKey) -> _KeyState:
        st = self._states.get(key)
        if st is None:
            st = self._states[key] = _KeyState(key, self._policies(key), self._prefix)
        return st

    async def _request(
        self, st: _KeyState, want: int, use_tokens: bool, use_places: bool, timeout: float | None
    ) -> _Grant:
        loop = asyncio.get_running_loop()
        queue = st.queues.get((use_tokens, use_places))
        if queue is None:
            queue = st.queues[(use_tokens, use_places)] = _Queue()
        future: asyncio.Future[_Grant] = loop.create_future()
        queue.pending.append(_Request(want, future))
        if queue.flusher is None:
            queue.flusher = loop.create_task(self._flush(st, queue, use_tokens, use_places))
        try:
            if timeout is None:
                return await future
            try:
                return await asyncio.wait_for(future, timeout)
            except TimeoutError:
                raise TimeoutError(f"no {st.key} slot within {timeout} s") from None
        except BaseException:
            # Cancelled after the grant was handed over but before this task resumed.
            if future.done() and not future.cancelled() and future.exception() is None:
                members = future.result().members
                if members:
                    self._release_soon(st, members)
            raise

    async def _flush(
        self, st: _KeyState, queue: _Queue, use_tokens: bool, use_places: bool
    ) -> None:
        pending = queue.pending
        policy = st.policy
        per_ms = repr(policy.per_second / 1000)
        cap = policy.concurrency if use_places and policy.concurrency is not None else 0
        try:
            while True:
                while pending and pending[0].future.done():  # cancelled or timed out
                    pending.popleft()
                if not pending:
                    return
                want = sum(r.want for r in pending)
                if cap:
                    want = min(want, _MAX_PLACES_PER_CALL)
                holder = f"{self._id}:{next(self._seq)}"
                try:
                    raw = await self._acquire(
                        keys=st.redis_keys,
                        args=[
                            want,
                            1,
                            1 if use_tokens else 0,
                            per_ms,
                            policy.capacity,
                            cap,
                            self._lease_ms,
                            holder,
                        ],
                    )
                except Exception as exc:  # Redis unreachable: every waiter hears it
                    while pending:
                        request = pending.popleft()
                        if not request.future.done():
                            request.future.set_exception(exc)
                    return
                granted, wait_ms, reason = (int(v) for v in raw)
                if granted:
                    self._hand_out(st, pending, granted, holder, bool(cap))
                    continue
                wait_s = wait_ms / 1000
                if reason == _FULL:
                    wait_s = min(wait_s, self._poll_s)
                wait_s = min(max(wait_s, 0.001), self._max_wait_s)
                if reason == _FULL:
                    st.wake.clear()
                    with suppress(TimeoutError):
                        await asyncio.wait_for(st.wake.wait(), wait_s)
                else:
                    await asyncio.sleep(wait_s)
        finally:
            queue.flusher = None

    def _hand_out(
        self, st: _KeyState, pending: deque[_Request], granted: int, holder: str, places: bool
    ) -> None:
        """First come, first served; whatever a vanished caller would have had goes back."""
        index, left, now = 1, granted, time.monotonic()
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
            for member in members:
                st.held[member] = now
            request.future.set_result(_Grant(count, members))
        if members_left := [f"{holder}:{i}" for i in range(index, index + left)] if places else []:
            self._release_soon(st, members_left)
        if st.held and self._renewer is None:
            self._renewer = asyncio.get_running_loop().create_task(self._renew_loop())

    async def _release(self, st: _KeyState, members: list[str]) -> None:
        # Shielded: a caller cancelled on its way out must not undo the others' batch.
        await asyncio.shield(self._release_soon(st, members))

    def _release_soon(self, st: _KeyState, members: list[str]) -> asyncio.Future[None]:
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

    async def _flush_releases(self, st: _KeyState) -> None:
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

    async def _peek_raw(self, st: _KeyState) -> tuple[float, int, int, int]:
        raw = await self._peek(
            keys=st.redis_keys, args=[repr(st.policy.per_second / 1000), st.policy.capacity]
        )
        tokens = raw[0].decode() if isinstance(raw[0], bytes) else str(raw[0])
        return float(tokens), int(raw[1]), int(raw[2]), int(raw[3])


def _default_lease_s() -> float:
    return get_settings().limit_lease_s


# --- what an owner is told --------------------------------------------------------------------

_NAMES = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}
_DEFAULT_SCOPES = {"x": "app"}


def capacity_warnings(
    pledges_by_platform: Mapping[str, int] | Mapping[LimitKey, int] | Mapping[str | LimitKey, int],
    *,
    release_window_s: float,
    policies: Callable[[LimitKey], LimitPolicy] = policy_for,
    call_s: float = 0.5,
) -> list[str]:
    """Sentences for an owner whose posts cannot all leave within `release_window_s` seconds of
    the release time; an empty list when they can.

    Keys are platform names ("x": the app-wide budget; "mastodon": read as "all on one
    instance", the worst case) or `LimitKey`s (one Mastodon instance each). `call_s` is the
    assumed duration of one platform call, which turns a concurrency cap into a rate.
    The estimate assumes the budget is full at the release: nothing else spent it just before.
    """
    warnings: list[str] = []
    for raw_key, pledges in pledges_by_platform.items():
        if pledges <= 0:
            continue
        if isinstance(raw_key, LimitKey):
            key, where = raw_key, f" on {raw_key.scope}"
        else:
            key = LimitKey(raw_key, _DEFAULT_SCOPES.get(raw_key, "*"))
            where = " on one instance" if raw_key == "mastodon" else ""
        policy = policies(key)
        warning = _capacity_warning(key, policy, pledges, release_window_s, call_s, where)
        if warning:
            warnings.append(warning)
    return warnings


def _capacity_warning(
    key: LimitKey,
    policy: LimitPolicy,
    pledges: int,
    window_s: float,
    call_s: float,
    where: str,
) -> str | None:
    rate = policy.per_second
    burst = policy.capacity
    # Calls started by t seconds after the release: the bucket allows burst + rate*t; a
    # concurrency cap C allows C at once and then C more every `call_s` seconds.
    cap = policy.concurrency
    started = burst + rate * window_s
    if cap is not None:
        started = min(started, cap + cap / call_s * window_s)
    if pledges <= started:
        return None
    finish_s = (pledges - burst) / rate
    if cap is not None:
        finish_s = max(finish_s, (pledges - cap) / (cap / call_s))
    flow = rate if cap is None else min(rate, cap / call_s)
    in_window = math.floor(started)
    late = pledges - in_window
    name = _NAMES.get(key.platform, key.platform.capitalize())
    budget = _budget_words(policy)
    if policy.per_s >= 3600:
        # A quota (X's per-app day): the owner must shrink the blast or raise the quota.
        return (
            f"{name} allows {budget} for this app: {pledges:,} pledges on {name}{where} cannot "
            f"all be posted at the release; {late:,} would be late, the last about "
            f"{_duration(finish_s)} after the release time (assuming no other campaign uses "
            f"the app's budget in the {_duration(policy.per_s)} before). Lower the goal to "
            f"{in_window:,} on {name}, or raise the app's {name} access tier."
        )
    # A politeness rate (a Mastodon instance): the posts leave, spread over a longer time.
    return (
        f"We send at most {_flow_words(flow)} to {name}{where} so as not to overload it: "
        f"{pledges:,} pledges there take about {_duration(finish_s)} to leave, so {late:,} "
        f"would leave more than {_duration(window_s)} after the release time."
    )


def _budget_words(policy: LimitPolicy) -> str:
    return f"{policy.rate:,} posts per {_duration(policy.per_s)}"


def _flow_words(per_s: float) -> str:
    if per_s >= 1:
        return f"{per_s:,.0f} posts per second"
    return f"one post every {_duration(1 / per_s)}"


def _duration(seconds: float) -> str:
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        m, sec = divmod(s, 60)
        return f"{m} min" + (f" {sec} s" if sec else "")
    h, rest = divmod(s, 3600)
    m = rest // 60
    return f"{h} h" + (f" {m} min" if m else "")
