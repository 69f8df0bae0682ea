"""At T: claim pending deliveries a page at a time and post them concurrently, each exactly once.

A firer is one asyncio loop (inside a Celery task, or `amplifier release-due`). Any number of
firers, on any number of machines, can work on one campaign: each claims a page with one
conditional UPDATE (`pending` → `sending`, under a claim token of its own, claims.py) before any
network call, keeps `concurrency` posts in flight (send.py), writes answers back in small batches
every few tens of milliseconds, and renews its claims every `renew_s` and the campaign's lease
while it lives. Right before each send it checks that the claim is still its own (fence.py), so a
firer that stalled past the stale time never sends a row another firer took over. Beside the
sending, its settler (settle.py) takes the rows of firers that stopped renewing and settles
doubts without a blind resend. Database calls survive a blip (dbretry.py); answers already
received stay buffered until they are written. Waiting for T uses the reference clock (Redis
time), so a skewed host fires on time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select, update

from amplifier import metrics
from amplifier.campaigns.lifecycle import finish_release
from amplifier.campaigns.moderation import release_held
from amplifier.crypto import TokenCipher
from amplifier.db import Database
from amplifier.models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from amplifier.platforms.base import PlatformAdapter
from amplifier.pledges.connectors import Connectors
from amplifier.pledges.pledging import tokens_of
from amplifier.release import claims
from amplifier.release.dbretry import call_db
from amplifier.release.fence import FenceBatcher
from amplifier.release.limits import RedisLimiter
from amplifier.release.outcomes import Outcome, record
from amplifier.release.refclock import ReferenceClock
from amplifier.release.send import Claimed, Sender, Unusable
from amplifier.release.settle import Settler

log = logging.getLogger(__name__)
PRE_CLAIM = timedelta(milliseconds=500)  # the first page is claimed and decrypted before T
FLUSH_EVERY_S = 0.05
# Posts started before the loop gets a turn. asyncio runs every new task up to its first wait
# before it serves any socket, so starting a whole page (500) at T held the first request back
# by the page's CPU (~500 x 0.6 ms): in waves, the first posts leave while later ones start.
WAVE = 16
MAX_IDLE_WAIT_S = 300.0


def _firer_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class FireResult:
    campaign_id: int
    attempted: int = 0
    finished: bool = False


@dataclass
class Firer:
    db: Database
    connectors: Connectors
    cipher: TokenCipher
    clock: ReferenceClock
    concurrency: int
    page_size: int
    lease_s: float
    stale_s: float  # a claim not renewed this long belongs to a firer that stopped
    retry_window_s: float = 300.0  # transient failures are retried this long after a first send
    platform_timeout_s: float = 10.0
    limiter_factory: Callable[[], RedisLimiter] | None = None  # one per event loop
    id: str = field(default_factory=_firer_id)

    def __post_init__(self) -> None:
        self._results: list[Outcome] = []
        self._pages = 0
        self._t: datetime | None = None  # the release time, for the metrics' offset from T
        # Renewals come several times per stale period, and a fenced send leaves well inside it.
        self.renew_s = max(0.1, min(1.0, self.stale_s / 5))
        self.fresh_s = max(0.05, min(1.0, self.stale_s / 10))

    async def fire(self, campaign_id: int) -> FireResult:
        result = FireResult(campaign_id=campaign_id)
        release_at = await call_db(self._release_at, campaign_id)
        if release_at is None:
            return result
        self._t = release_at
        sender = Sender(
            db=self.db,
            connectors=self.connectors,
            cipher=self.cipher,
            clock=self.clock,
            concurrency=self.concurrency,
            fence=FenceBatcher(self._fence),
            fresh_s=self.fresh_s,
            add=self._results.append,
            look_for=lambda item, reason: settler.look_for(item, reason),
            limiter_factory=self.limiter_factory,
        )

        async def adapter(platform: str, instance_url: str) -> PlatformAdapter:
            return (await sender.channel(platform, instance_url)).adapter

        settler = Settler(
            db=self.db,
            cipher=self.cipher,
            clock=self.clock,
            firer_id=self.id,
            stale_s=self.stale_s,
            lookup_grace_s=self.fresh_s + 2 * self.platform_timeout_s,
            first_look_s=max(1.0, self.platform_timeout_s),
            retry_window=timedelta(seconds=self.retry_window_s),
            adapter=adapter,
            add=self._results.append,
        )
        async with sender.open(), settler.running(), self._keepalive(campaign_id, settler):
            await self.clock.wait_until(release_at - PRE_CLAIM)
            await self._run(campaign_id, release_at, sender, settler, result)
        result.finished = await call_db(self._finish, campaign_id)
        return result

    async def _run(
        self,
        campaign_id: int,
        release_at: datetime,
        sender: Sender,
        settler: Settler,
        result: FireResult,
    ) -> None:
        in_flight: set[asyncio.Task[None]] = set()
        first = True
        while True:
            room = max(1, min(self.page_size, self.concurrency - len(in_flight)))
            page, unusable = await call_db(self._claim_page, campaign_id, room)
            self._results.extend(unusable)
            if first:
                await sender.ready_for(page)  # channels open before T, not by the first send
                await self.clock.wait_until(release_at)
                first = False
            for started, item in enumerate(page, 1):
                task = asyncio.create_task(sender.deliver(item))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                if started % WAVE == 0:
                    await asyncio.sleep(0)  # let the posts already started reach their sockets
            result.attempted += len(page)
            if len(in_flight) >= self.concurrency or (not page and in_flight):
                await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED, timeout=1.0)
                continue
            if page:
                continue
            await self._flush()
            wait = await call_db(self._idle_wait, campaign_id, settler.busy)
            if wait is None or wait > MAX_IDLE_WAIT_S:
                break
            await asyncio.sleep(max(0.05, wait))
        await self._flush()

    # ------------------------------------------------------------------ database side

    def _release_at(self, campaign_id: int) -> datetime | None:
        with self.db.session() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None or campaign.status != CampaignStatus.RELEASING:
                return None
            if release_held(session, campaign_id):  # suspended by an admin
                return None
            return campaign.release_at

    def _claim_page(self, campaign_id: int, limit: int) -> tuple[list[Claimed], list[Outcome]]:
        """A page of rows claimed under a new token, and the answers for rows without a token."""
        self._pages += 1
        token = f"{self.id}#{self._pages}"
        held_at = time.monotonic()
        now = self.clock.now()
        with self.db.session() as session:
            rows = claims.claim_page(
                session, campaign_id=campaign_id, limit=limit, token=token, now=now
            )
        page, unusable = [], []
        window = timedelta(seconds=self.retry_window_s)
        for row in rows:
            pledge = row.pledge
            assert pledge.id is not None
            retry_until = row.first_sent_at + window
            try:
                tokens = tokens_of(pledge, self.cipher)
            except ValueError as exc:
                error = Unusable(f"no usable token: {exc}")
                unusable.append(
                    Outcome(row.delivery_id, token, row.attempts, pledge.platform, error=error)
                )
                continue
            page.append(
                Claimed(
                    delivery_id=row.delivery_id,
                    attempts=row.attempts,
                    pledge_id=pledge.id,
                    platform=pledge.platform,
                    instance_url=pledge.instance_url,
                    account_id=pledge.account_id,
                    text=pledge.post_text,
                    tokens=tokens,
                    token=token,
                    first_sent_at=row.first_sent_at,
                    retry_until=retry_until,
                    held_at=held_at,
                    campaign_id=campaign_id,
                    staged=row.staged,
                )
            )
        return page, unusable

    async def _fence(self, holds: list[tuple[int, str]]) -> set[int]:
        return await call_db(self._fence_sync, holds)

    def _fence_sync(self, holds: list[tuple[int, str]]) -> set[int]:
        with self.db.session() as session:
            return claims.fence(session, holds, now=self.clock.now())

    def _record(self, batch: list[Outcome]) -> None:
        with self.db.session() as session:
            record(session, batch, now=self.clock.now())
        metrics.observe_outcomes(batch, self._t)  # METRICS (amplifier/metrics.py)

    def _renew_claims(self, campaign_id: int) -> None:
        with self.db.session() as session:
            claims.renew(session, campaign_id=campaign_id, firer_id=self.id, now=self.clock.now())

    def _renew_lease(self, campaign_id: int) -> None:
        now = self.clock.now()
        with self.db.session() as session:
            session.execute(
                update(Campaign)
                .where(col(Campaign.id) == campaign_id)
                .values(lease_until=now + timedelta(seconds=self.lease_s))
            )

    def _idle_wait(self, campaign_id: int, settling: bool) -> float | None:
        """Nothing to claim now: seconds until something might be, or None when all is final
        (or the campaign is suspended: this firer stops; reinstating hands it out again)."""
        now = self.clock.now()
        with self.db.session() as session:
            if release_held(session, campaign_id):
                return None
            open_rows = (
                select(col(Delivery.status), sa.func.min(Delivery.not_before))
                .where(
                    Delivery.campaign_id == campaign_id,
                    col(Delivery.status).in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
                )
                .group_by(col(Delivery.status))
            )
            by_status = dict(session.execute(open_rows).tuples().all())
        waits = []
        if DeliveryStatus.PENDING in by_status:
            next_retry = by_status[DeliveryStatus.PENDING]
            waits.append(0.0 if next_retry is None else (next_retry - now).total_seconds())
        if DeliveryStatus.SENDING in by_status or settling:
            waits.append(min(1.0, self.renew_s))  # answers, settling, or a firer that stopped
        return max(0.0, min(waits)) if waits else None

    def _finish(self, campaign_id: int) -> bool:
        with self.db.session() as session:
            return finish_release(session, campaign_id=campaign_id, now=self.clock.now())

    # ------------------------------------------------------------------ bookkeeping

    async def _flush(self) -> None:
        """Write the buffered answers; on a database failure they stay buffered (and raise)."""
        batch = self._results[:]  # appended to only on this loop: no await between copy and del
        del self._results[: len(batch)]
        if not batch:
            return
        try:
            await call_db(self._record, batch)
        except BaseException:
            self._results[:0] = batch
            raise

    @contextlib.asynccontextmanager
    async def _keepalive(self, campaign_id: int, settler: Settler) -> AsyncIterator[None]:
        """Flush answers, renew claims and lease, and settle stale rows while this firer runs."""

        async def loop() -> None:
            last_renew = last_lease = last_scan = float("-inf")
            while True:
                mono = time.monotonic()
                if mono - last_lease >= self.lease_s / 3:
                    await call_db(self._renew_lease, campaign_id)
                    last_lease = mono
                if mono - last_renew >= self.renew_s:
                    await call_db(self._renew_claims, campaign_id)
                    last_renew = mono
                if mono - last_scan >= self.renew_s:
                    await settler.scan(campaign_id)
                    last_scan = mono
                await self._flush()
                await asyncio.sleep(FLUSH_EVERY_S)

        async def guarded() -> None:
            while True:
                try:
                    await loop()
                except Exception:  # e.g. the database gone past call_db's window: go on trying
                    log.exception("campaign %s: keepalive failed; trying again", campaign_id)
                    await asyncio.sleep(1.0)

        task = asyncio.create_task(guarded())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self._flush()


def run_firer(firer: Firer, campaign_id: int) -> FireResult:
    return asyncio.run(firer.fire(campaign_id))
