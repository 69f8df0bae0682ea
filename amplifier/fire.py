"""At T: claim pending deliveries a page at a time and post them concurrently, each exactly once.

A firer is one asyncio loop (inside a Celery task, or `amplifier release-due`). Any number of
firers, on any number of machines, can work on one campaign: each claims a page with one
conditional UPDATE (`pending` → `sending`, stamped with its id) before any network call, keeps
`concurrency` posts in flight through aiohttp, writes answers back in small batches every few
tens of milliseconds, and renews its claims and the campaign's lease while it lives. A firer that
dies leaves its rows `sending`; once their claims go stale, settle.py decides them without a blind
resend. Waiting for T uses the reference clock (Redis time), so a skewed host fires on time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import aiohttp
import sqlalchemy as sa
from redis.exceptions import RedisError
from sqlmodel import col, select, update

from amplifier.campaigns import finish_release
from amplifier.connectors import Connectors, PlatformUnavailable
from amplifier.credentials import refresh_locks, refresh_pledge
from amplifier.crypto import TokenCipher
from amplifier.db import Database
from amplifier.limits import LimitKey, RedisLimiter
from amplifier.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, Pledge
from amplifier.moderation import release_held, release_not_held
from amplifier.outcomes import MAX_ATTEMPTS, Deferred, Outcome, record
from amplifier.platforms.base import (
    OutcomeUnknown,
    PlatformAdapter,
    PlatformError,
    PublishedPost,
    RateLimited,
    TokenSet,
    Transient,
)
from amplifier.pledges import store_tokens, tokens_of
from amplifier.refclock import ReferenceClock
from amplifier.settle import settle_stale

log = logging.getLogger(__name__)
PRE_CLAIM = timedelta(milliseconds=500)  # the first page is claimed and decrypted before T
REFRESH_AHEAD = timedelta(seconds=60)
FLUSH_EVERY_S = 0.05
MAX_IDLE_WAIT_S = 300.0
LIMIT_WAIT_S = 5.0  # longer than this for a limiter place: hand the row back


class AsyncPublisher(Protocol):
    def async_session(self, *, limit: int = ...) -> aiohttp.ClientSession: ...

    async def publish_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        text: str,
        *,
        idempotency_key: str,
    ) -> PublishedPost: ...


@dataclass
class Claimed:
    delivery_id: int
    attempts: int
    pledge_id: int
    platform: str
    instance_url: str
    account_id: str
    text: str
    tokens: TokenSet


@dataclass
class FireResult:
    campaign_id: int
    attempted: int = 0
    finished: bool = False
    first_sent_at: datetime | None = None


@dataclass
class _Channel:
    adapter: PlatformAdapter
    publisher: AsyncPublisher
    session: aiohttp.ClientSession


@dataclass
class Firer:
    db: Database
    connectors: Connectors
    cipher: TokenCipher
    clock: ReferenceClock
    concurrency: int
    page_size: int
    lease_s: float
    stale_s: float
    limiter_factory: Callable[[], RedisLimiter] | None = None  # one per event loop
    id: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    )

    def __post_init__(self) -> None:
        self._results: list[Outcome] = []
        self._channels: dict[tuple[str, str], _Channel] = {}
        self._channel_lock = asyncio.Lock()
        self._limiter: RedisLimiter | None = None

    async def fire(self, campaign_id: int) -> FireResult:
        result = FireResult(campaign_id=campaign_id)
        release_at = await asyncio.to_thread(self._release_at, campaign_id)
        if release_at is None:
            return result
        async with self._keepalive(campaign_id), self._channels_open(), self._limits():
            await self.clock.wait_until(release_at - PRE_CLAIM)
            in_flight: set[asyncio.Task[None]] = set()
            first = True
            while True:
                room = max(1, min(self.page_size, self.concurrency - len(in_flight)))
                page = await asyncio.to_thread(self._claim_page, campaign_id, room)
                if first:
                    await self.clock.wait_until(release_at)
                    result.first_sent_at = self.clock.now()
                    first = False
                for item in page:
                    task = asyncio.create_task(self._post(item))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                result.attempted += len(page)
                if len(in_flight) >= self.concurrency or (not page and in_flight):
                    await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                    continue
                if page:
                    continue
                await self._flush()
                wait = await asyncio.to_thread(self._idle_wait, campaign_id)
                if wait is None or wait > MAX_IDLE_WAIT_S:
                    break
                await asyncio.sleep(max(0.05, wait))
            await self._flush()
        result.finished = await asyncio.to_thread(self._finish, campaign_id)
        return result

    # ------------------------------------------------------------------ database side

    def _release_at(self, campaign_id: int) -> datetime | None:
        with self.db.session() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None or campaign.status != CampaignStatus.RELEASING:
                return None
            if release_held(session, campaign_id):  # suspended by an admin
                return None
            return campaign.release_at

    def _claim_page(self, campaign_id: int, limit: int) -> list[Claimed]:
        now = self.clock.now()
        candidates = (
            select(Delivery.id)
            .where(
                Delivery.campaign_id == campaign_id,
                Delivery.status == DeliveryStatus.PENDING,
                sa.or_(col(Delivery.not_before).is_(None), col(Delivery.not_before) <= now),
            )
            .order_by(col(Delivery.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        with self.db.session() as session:
            # Two statements, not `UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP
            # LOCKED)`: PostgreSQL may run such a subquery again for every row it updates, and
            # each run skips the rows just locked, so one claim swept the whole campaign.
            # The SELECT's row locks last until commit, so other firers skip these rows.
            picked = list(session.execute(candidates).scalars())
            if not picked:
                return []
            claimed = session.execute(
                update(Delivery)
                .where(
                    col(Delivery.id).in_(picked),
                    col(Delivery.status) == DeliveryStatus.PENDING,
                    # suspended meanwhile: claim nothing more (rows in flight still finish)
                    sa.exists().where(col(Campaign.id) == campaign_id, release_not_held()),
                )
                .values(
                    status=DeliveryStatus.SENDING,
                    claimed_at=now,
                    claimed_by=self.id,
                    sent_at=now,
                    attempts=Delivery.attempts + 1,
                )
                .returning(col(Delivery.id))
            ).all()
            ids = [row[0] for row in claimed]
            if not ids:
                return []
            rows = session.exec(
                select(Delivery.id, Delivery.attempts, Pledge)
                .join(Pledge, col(Pledge.id) == col(Delivery.pledge_id))
                .where(col(Delivery.id).in_(ids))
            ).all()
        page = []
        unusable = []
        for delivery_id, attempts, pledge in rows:
            assert delivery_id is not None and pledge.id is not None
            try:
                tokens = tokens_of(pledge, self.cipher)
            except ValueError as exc:
                unusable.append(
                    Outcome(
                        delivery_id,
                        self.id,
                        MAX_ATTEMPTS,
                        pledge.platform,
                        error=_Unusable(f"no usable token: {exc}"),
                    )
                )
                continue
            page.append(
                Claimed(
                    delivery_id=delivery_id,
                    attempts=attempts,
                    pledge_id=pledge.id,
                    platform=pledge.platform,
                    instance_url=pledge.instance_url,
                    account_id=pledge.account_id,
                    text=pledge.post_text,
                    tokens=tokens,
                )
            )
        self._results.extend(unusable)
        return page

    def _record(self, batch: list[Outcome]) -> None:
        with self.db.session() as session:
            record(session, batch, now=self.clock.now())

    def _renew(self, campaign_id: int) -> None:
        now = self.clock.now()
        with self.db.session() as session:
            session.execute(
                update(Campaign)
                .where(col(Campaign.id) == campaign_id)
                .values(lease_until=now + timedelta(seconds=self.lease_s))
            )
            session.execute(
                update(Delivery)
                .where(
                    col(Delivery.claimed_by) == self.id,
                    col(Delivery.status) == DeliveryStatus.SENDING,
                )
                .values(claimed_at=now)
            )

    def _idle_wait(self, campaign_id: int) -> float | None:
        """Nothing to claim now: seconds until something might be, or None when all is final
        (or the campaign is suspended: this firer stops; reinstating hands it out again)."""
        now = self.clock.now()
        with self.db.session() as session:
            if release_held(session, campaign_id):
                return None
        settle_stale(
            self.db,
            self.connectors,
            self.cipher,
            campaign_id=campaign_id,
            now=now,
            stale_s=self.stale_s,
        )
        with self.db.session() as session:
            next_retry = session.exec(
                select(sa.func.min(Delivery.not_before)).where(
                    Delivery.campaign_id == campaign_id, Delivery.status == DeliveryStatus.PENDING
                )
            ).one()
            pending = session.exec(
                select(sa.func.count(col(Delivery.id))).where(
                    Delivery.campaign_id == campaign_id, Delivery.status == DeliveryStatus.PENDING
                )
            ).one()
            oldest_claim = session.exec(
                select(sa.func.min(Delivery.claimed_at)).where(
                    Delivery.campaign_id == campaign_id, Delivery.status == DeliveryStatus.SENDING
                )
            ).one()
        waits = []
        if pending:
            waits.append(0.0 if next_retry is None else (next_retry - now).total_seconds())
        if oldest_claim is not None:  # another firer's rows: wait for them, or for them to go stale
            waits.append(min(1.0, (oldest_claim - now).total_seconds() + self.stale_s))
        return max(0.0, min(waits)) if waits else None

    def _finish(self, campaign_id: int) -> bool:
        with self.db.session() as session:
            return finish_release(session, campaign_id=campaign_id, now=self.clock.now())

    # ------------------------------------------------------------------ network side

    async def _post(self, item: Claimed) -> None:
        try:
            channel = await self._channel(item.platform, item.instance_url)
            tokens = await self._fresh_tokens(channel.adapter, item)
            post = await self._publish(channel, item, tokens)
        except OutcomeUnknown as exc:
            try:
                found = await self._look_for(item, exc)
            except PlatformError as retry:
                self._add(self._error(item, retry))
                return
            self._add(
                Outcome(*self._key(item), post=found, at=self.clock.now())
                if found
                else self._error(item, exc)
            )
        except PlatformError as exc:
            self._add(self._error(item, exc))
        except PlatformUnavailable as exc:
            self._add(self._error(item, _Unusable(str(exc))))
        except Exception as exc:  # never lose a claimed row to a bug: report it
            log.exception("delivery %s: unexpected error", item.delivery_id)
            self._add(self._error(item, OutcomeUnknown(f"internal error: {type(exc).__name__}")))
        else:
            self._add(Outcome(*self._key(item), post=post, at=self.clock.now()))

    async def _publish(self, channel: _Channel, item: Claimed, tokens: TokenSet) -> PublishedPost:
        key = f"amplifier-{item.delivery_id}"
        if self._limiter is None:
            return await channel.publisher.publish_async(
                channel.session, tokens, item.text, idempotency_key=key
            )
        limit_key = LimitKey(item.platform, item.instance_url or "app")
        slot = self._limiter.slot(limit_key, timeout=LIMIT_WAIT_S)
        try:
            await slot.__aenter__()
        except TimeoutError:
            # Paused or saturated for a while: give the row back instead of holding a place
            # in this firer, so other platforms' rows keep flowing.
            until = None
            with contextlib.suppress(RedisError, OSError):
                until = (await self._limiter.status(limit_key)).paused_until
            raise Deferred(f"waiting for {item.platform}'s limits", until=until) from None
        except (RedisError, OSError) as exc:
            raise Deferred(  # nothing was sent: wait for Redis rather than spend attempts
                f"the shared limiter (Redis) was unreachable, nothing was sent: {exc}",
                until=self.clock.now() + timedelta(seconds=1),
            ) from None
        try:
            return await channel.publisher.publish_async(
                channel.session, tokens, item.text, idempotency_key=key
            )
        except RateLimited as exc:
            if exc.retry_at is not None:  # every worker holds off until the reset
                with contextlib.suppress(RedisError, OSError):
                    await self._limiter.pause(limit_key, exc.retry_at)
            raise
        finally:
            with contextlib.suppress(RedisError, OSError):
                await slot.__aexit__(None, None, None)

    async def _fresh_tokens(self, adapter: PlatformAdapter, item: Claimed) -> TokenSet:
        """Prepare refreshed what it could; a token still expiring is refreshed here, under the
        pledge's refresh lock like every refresh (credentials.py): a pair another worker stored
        meanwhile is used, and a rotated pair is stored at once. RefreshBusy is Transient."""
        tokens = item.tokens
        if tokens.expires_at is None or tokens.expires_at - REFRESH_AHEAD > self.clock.now():
            return tokens
        refreshed = await asyncio.to_thread(
            refresh_pledge,
            self.db,
            self.cipher,
            adapter,
            item.pledge_id,
            locks=refresh_locks(self.connectors.settings),
            fresh_until=self.clock.now() + REFRESH_AHEAD,
        )
        return refreshed.tokens

    def _store_tokens(self, pledge_id: int, tokens: TokenSet) -> None:
        with self.db.session() as session:
            pledge = session.get(Pledge, pledge_id)
            assert pledge is not None
            store_tokens(pledge, tokens, self.cipher)
            session.add(pledge)

    async def _look_for(self, item: Claimed, exc: OutcomeUnknown) -> PublishedPost | None:
        """X has no idempotency key: after an unknown outcome, ask whether the post exists."""
        channel = self._channels.get((item.platform, item.instance_url))
        finder = getattr(channel.adapter, "find_recent_post", None) if channel else None
        if finder is None:
            return None
        try:
            found: PublishedPost | None = await asyncio.to_thread(
                finder, item.tokens, account_id=item.account_id, text=item.text
            )
        except PlatformError:
            return None
        if found is None and item.attempts < MAX_ATTEMPTS:
            raise Transient(f"not posted after all ({exc.message}); trying again") from None
        return found

    async def _channel(self, platform: str, instance_url: str) -> _Channel:
        """One adapter and one connection pool per platform host, made once per firer."""
        key = (platform, instance_url)
        channel = self._channels.get(key)
        if channel is not None:
            return channel
        async with self._channel_lock:
            channel = self._channels.get(key)
            if channel is None:
                adapter = await asyncio.to_thread(self._adapter, platform, instance_url)
                publisher: AsyncPublisher = adapter  # type: ignore[assignment]
                channel = _Channel(
                    adapter=adapter,
                    publisher=publisher,
                    session=publisher.async_session(limit=self.concurrency),
                )
                self._channels[key] = channel
        return channel

    def _adapter(self, platform: str, instance_url: str) -> PlatformAdapter:
        with self.db.session() as session:
            return self.connectors.for_platform(session, platform, instance_url)

    # ------------------------------------------------------------------ bookkeeping

    def _key(self, item: Claimed) -> tuple[int, str, int, str]:
        return (item.delivery_id, self.id, item.attempts, item.platform)

    def _error(self, item: Claimed, exc: PlatformError) -> Outcome:
        return Outcome(*self._key(item), error=exc)

    def _add(self, outcome: Outcome) -> None:
        self._results.append(outcome)

    async def _flush(self) -> None:
        batch, self._results = self._results, []
        if batch:
            await asyncio.to_thread(self._record, batch)

    @contextlib.asynccontextmanager
    async def _keepalive(self, campaign_id: int) -> AsyncIterator[None]:
        """Renew lease and claims, and flush answers, for as long as this firer runs."""

        async def loop() -> None:
            ticks = 0
            renew_every = max(1, int(self.lease_s / 3 / FLUSH_EVERY_S))
            while True:
                if ticks % renew_every == 0:
                    await asyncio.to_thread(self._renew, campaign_id)
                await self._flush()
                ticks += 1
                await asyncio.sleep(FLUSH_EVERY_S)

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self._flush()

    @contextlib.asynccontextmanager
    async def _limits(self) -> AsyncIterator[None]:
        self._limiter = self.limiter_factory() if self.limiter_factory else None
        try:
            yield
        finally:
            if self._limiter is not None:
                await self._limiter.aclose()
                self._limiter = None

    @contextlib.asynccontextmanager
    async def _channels_open(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for channel in self._channels.values():
                await channel.session.close()
            self._channels.clear()


class _Unusable(PlatformError):
    """A row that cannot be sent at all (no token, platform not configured): report, don't retry."""


def run_firer(firer: Firer, campaign_id: int) -> FireResult:
    return asyncio.run(firer.fire(campaign_id))


FirerFactory = Callable[[], Firer]
