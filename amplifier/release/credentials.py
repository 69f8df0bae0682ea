"""Refreshing a pledge's OAuth tokens: one refresher per credential, across every worker.

X rotates refresh tokens: each refresh spends the refresh token it was given and returns a new
pair (platforms/x.py; X's OAuth 2.0 Authorization Code Flow with PKCE documentation).
Two workers refreshing the same pledge at once — a preparer whose campaign lease lapsed beside
the one that took it next, or the firer's refresh at T beside a late preparer — send the same
refresh token; one wins, the other hears `invalid_grant`, and a pledge that is perfectly fine
would be reported "authorization revoked". So:

- a refresh happens only under a lock per pledge credential (`RefreshLocks`: a Redis lock with a
  lease, so a worker killed while holding it blocks the others for one lease at most);
- under the lock the pledge is read again: a pair another worker stored meanwhile that is fresh
  enough is used as it is;
- the rotated pair is stored at once, in its own transaction (a crash after the platform
  answered must not lose the only valid refresh token), and only on a pledge that still holds
  tokens (a withdrawal meanwhile deleted them for good);
- on `invalid_grant` (AuthExpired) the pledge is read once more: if another worker stored a newer
  pair (its lock lease ran out under a slow platform), that pair is used, not the verdict.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import redis
from redis.exceptions import LockError, RedisError
from sqlmodel import col, update

from amplifier.crypto import TokenCipher
from amplifier.db import Database
from amplifier.models import Pledge
from amplifier.platforms.base import AuthExpired, PlatformAdapter, TokenSet, Transient
from amplifier.pledges.pledging import encrypt_extras, tokens_of
from config.settings import Settings

log = logging.getLogger(__name__)

__all__ = ["RefreshBusy", "RefreshLocks", "Refreshed", "refresh_locks", "refresh_pledge"]


class RefreshBusy(Transient):
    """Another worker held this pledge's refresh lock too long (or Redis could not be asked):
    nothing was sent to the platform; try again later."""


class RefreshLocks:
    """One lock per pledge credential, shared by every worker through Redis (`redis_url`), or by
    the threads of this process only when no Redis is configured (development, one process).

    `lease_s`: a holder that dies keeps the lock this long at most; it must outlast one refresh
    call (the platform timeout). `wait_s`: how long a second refresher waits for the first.
    """

    def __init__(
        self,
        redis_url: str | None,
        *,
        lease_s: float,
        wait_s: float,
        prefix: str = "amplifier:refresh",
    ) -> None:
        if lease_s <= 0 or wait_s < 0:
            raise ValueError("a refresh lock needs lease_s > 0 and wait_s >= 0")
        self.lease_s = lease_s
        self.wait_s = wait_s
        self._prefix = prefix
        self._redis = redis.Redis.from_url(redis_url) if redis_url else None
        self._local: dict[int, threading.Lock] = {}
        self._local_guard = threading.Lock()

    @contextmanager
    def held(self, pledge_id: int) -> Iterator[None]:
        """Hold pledge `pledge_id`'s refresh lock; raises RefreshBusy after `wait_s`."""
        if self._redis is None:
            with self._local_guard:
                lock = self._local.setdefault(pledge_id, threading.Lock())
            if not lock.acquire(timeout=self.wait_s):
                raise RefreshBusy(f"pledge {pledge_id}: another refresh is under way")
            try:
                yield
            finally:
                lock.release()
            return
        shared = self._redis.lock(
            f"{self._prefix}:pledge:{pledge_id}",
            timeout=self.lease_s,
            blocking_timeout=self.wait_s,
            sleep=0.05,
            thread_local=False,
        )
        try:
            got = shared.acquire()
        except RedisError as exc:
            raise RefreshBusy(
                f"pledge {pledge_id}: the refresh lock (Redis) failed: {exc}"
            ) from None
        if not got:
            raise RefreshBusy(f"pledge {pledge_id}: another refresh is under way")
        try:
            yield
        finally:
            try:
                shared.release()
            except (LockError, RedisError) as exc:  # the lease ran out: someone may hold it now
                log.warning("pledge %s: refresh lock lost before release: %s", pledge_id, exc)


@lru_cache(maxsize=8)
def _locks(redis_url: str | None, lease_s: float) -> RefreshLocks:
    return RefreshLocks(redis_url, lease_s=lease_s, wait_s=lease_s)


def refresh_locks(settings: Settings) -> RefreshLocks:
    """The process's locks for this deployment: the lease outlasts one refresh call (twice the
    platform timeout, plus 5 s), and a second refresher waits as long."""
    return _locks(settings.redis_url, 2 * settings.platform_timeout_s + 5.0)


@dataclass(frozen=True)
class Refreshed:
    tokens: TokenSet
    by_us: bool  # False: another worker's pair, stored meanwhile, was fresh enough


def refresh_pledge(
    db: Database,
    cipher: TokenCipher,
    adapter: PlatformAdapter,
    pledge_id: int,
    *,
    locks: RefreshLocks,
    fresh_until: datetime,
) -> Refreshed:
    """A token pair for pledge `pledge_id` valid until at least `fresh_until` (aware UTC).

    Raises AuthExpired when the platform refuses the newest refresh token the pledge holds
    (revoked: reconnect), RefreshBusy when the lock could not be had, ValueError when the
    pledge holds no tokens any more (withdrawn, forgotten), and the adapter's other
    PlatformErrors (RateLimited, Transient, …) as they come.
    """
    with locks.held(pledge_id):
        current = _load(db, cipher, pledge_id)
        if current.expires_at is not None and current.expires_at >= fresh_until:
            return Refreshed(current, by_us=False)
        try:
            fresh = adapter.refresh(current)
        except AuthExpired:
            newer = _load(db, cipher, pledge_id)
            if newer.refresh_token != current.refresh_token:
                log.info("pledge %s: another worker rotated the refresh token first", pledge_id)
                return Refreshed(newer, by_us=False)
            raise
        _store(db, cipher, pledge_id, fresh)
        return Refreshed(fresh, by_us=True)


def _load(db: Database, cipher: TokenCipher, pledge_id: int) -> TokenSet:
    with db.session() as session:
        pledge = session.get(Pledge, pledge_id)
        if pledge is None:
            raise ValueError(f"pledge {pledge_id} does not exist")
        return tokens_of(pledge, cipher)


def _store(db: Database, cipher: TokenCipher, pledge_id: int, tokens: TokenSet) -> None:
    """At once, in its own transaction; never onto a pledge whose tokens were deleted."""
    with db.session() as session:
        stored = session.execute(
            update(Pledge)
            .where(col(Pledge.id) == pledge_id, col(Pledge.access_token_enc).is_not(None))
            .values(
                access_token_enc=cipher.encrypt(tokens.access_token),
                refresh_token_enc=cipher.encrypt_optional(tokens.refresh_token),
                token_extras_enc=encrypt_extras(tokens.extras, cipher),
                token_expires_at=tokens.expires_at,
                token_scope=tokens.scope,
            )
        )
        if stored.rowcount != 1:  # type: ignore[attr-defined]
            raise ValueError(f"pledge {pledge_id} holds no tokens any more")
