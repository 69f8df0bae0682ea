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

Modules, one job each: `policy` (what a key may do, from settings), `lua` (the scripts that decide
inside Redis), `local` (this process's queues and held places), `redis_limiter` (the limiter),
`capacity` (the owner-facing words).
"""

from amplifier.release.limits.capacity import capacity_warnings
from amplifier.release.limits.policy import LimitKey, LimitPolicy, LimitStatus, policy_for
from amplifier.release.limits.redis_limiter import RedisLimiter

__all__ = [
    "LimitKey",
    "LimitPolicy",
    "LimitStatus",
    "RedisLimiter",
    "capacity_warnings",
    "policy_for",
]
