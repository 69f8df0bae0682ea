"""Rows whose post may or may not exist: settle them by looking, never by a blind resend.

Every live firer runs a settler beside its sending, so rows keep flowing while doubts are settled:

* its own doubts: a send with an unknown outcome (timeout after sending, a 5xx on a write) on a
  platform without an idempotency key, or a duplicate refusal after an earlier try of ours;
* other firers' stale rows (claims.take_stale): a firer that died or stalled stops renewing its
  claims, and after `stale_s` (seconds) its rows are settled in batches — rows whose platform
  remembers our idempotency key go straight back to `pending`, the others are looked for.

A look-up waits until any send the stopped firer may have made is visible: a fenced send leaves
within `fresh_s` of the claim's last confirmation, may spend one platform timeout connecting and
one more being answered, so the look-up is made no earlier than the last renewal plus
`fresh_s + 2 * platform timeout` (`lookup_grace_s`); after a call of the firer's own that got no
answer, one more platform timeout (`first_look_s`), so a platform slow to answer has had twice our
timeout to create the post before we decide it did not (after an error answer, 1 s). Look-ups
run concurrently (LOOKUPS at a time, in threads: the adapters' look-up is synchronous). Found →
`posted` with its link; not found → back to `pending` to be sent again; the look-up itself
failing is retried with backoff until the row's retry window ends, and only then is the row
reported `unconfirmed`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from amplifier import metrics
from amplifier.crypto import TokenCipher
from amplifier.db import Database
from amplifier.logging_setup import ids_context
from amplifier.platforms.base import (
    Duplicate,
    OutcomeUnknown,
    PlatformAdapter,
    PlatformError,
    PublishedPost,
    Transient,
)
from amplifier.platforms.registry import declaration
from amplifier.pledges.pledging import tokens_of
from amplifier.release.claims import StaleRow, take_stale
from amplifier.release.dbretry import call_db
from amplifier.release.outcomes import Outcome, backoff_s
from amplifier.release.refclock import ReferenceClock
from amplifier.release.send import Claimed

log = logging.getLogger(__name__)
LOOKUPS = 16  # look-ups in flight at once per firer
TAKE_BATCH = 200  # stale rows taken per statement
ANSWERED_LOOK_S = 1.0  # after an error answer (a 5xx on a write) the look-up waits this long


@dataclass
class Settler:
    db: Database
    cipher: TokenCipher
    clock: ReferenceClock
    firer_id: str
    stale_s: float
    lookup_grace_s: float
    first_look_s: float  # after an unknown outcome of our own, let the platform finish first
    retry_window: timedelta
    adapter: Callable[[str, str], Awaitable[PlatformAdapter]]
    add: Callable[[Outcome], None]
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _taken: int = 0

    def __post_init__(self) -> None:
        self._lookups = asyncio.Semaphore(LOOKUPS)

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def look_for(self, item: Claimed, reason: PlatformError) -> None:
        """Settle a doubt of this firer's own (the row stays claimed under its token)."""
        answered = reason.status is not None  # a 5xx came back: the platform is done with it
        delay = ANSWERED_LOOK_S if answered else self.first_look_s
        look_at = self.clock.now() + timedelta(seconds=delay)
        self._spawn(item, reason, look_at)

    async def scan(self, campaign_id: int) -> None:
        """Take every stale row of the campaign, a batch at a time, and settle each."""
        while True:
            self._taken += 1
            token = f"{self.firer_id}#s{self._taken}"
            now = self.clock.now()
            handed_back, rows = await call_db(self._take, campaign_id, now, token)
            if handed_back:
                log.info(
                    "campaign %s: %s stale rows handed back for resending", campaign_id, handed_back
                )
            for stale in rows:
                self._settle_stale(stale, token, now)
            if handed_back + len(rows) < TAKE_BATCH:
                return

    def _take(self, campaign_id: int, now: datetime, token: str) -> tuple[int, list[StaleRow]]:
        with self.db.session() as session:
            return take_stale(
                session,
                campaign_id=campaign_id,
                now=now,
                stale_s=self.stale_s,
                limit=TAKE_BATCH,
                token=token,
            )

    def _settle_stale(self, stale: StaleRow, token: str, now: datetime) -> None:
        row = stale.row
        pledge = row.pledge
        assert pledge.id is not None
        reason = OutcomeUnknown("its worker stopped during the call")
        try:
            tokens = tokens_of(pledge, self.cipher)
        except ValueError as exc:
            self.add(
                Outcome(
                    row.delivery_id,
                    token,
                    row.attempts,
                    pledge.platform,
                    error=OutcomeUnknown(f"{reason.message}; cannot look for it: {exc}"),
                )
            )
            return
        item = Claimed(
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
            retry_until=max(now, row.first_sent_at) + self.retry_window,
        )
        log.info("delivery %s taken from a stopped firer: looking for its post", row.delivery_id)
        self._spawn(item, reason, stale.last_renewed + timedelta(seconds=self.lookup_grace_s))

    def _spawn(self, item: Claimed, reason: PlatformError, look_at: datetime) -> None:
        ids = ids_context(delivery_id=item.delivery_id)  # LOG IDS (logging_setup)
        task = asyncio.create_task(self._settle(item, reason, look_at), context=ids)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _settle(self, item: Claimed, reason: PlatformError, look_at: datetime) -> None:
        try:
            await self.clock.wait_until(look_at)
            found = await self._find(item, reason)
            result = metrics.settled(item.platform, found)  # METRICS (amplifier/metrics.py)
            log.info("delivery %s: outcome was unknown; post %s", item.delivery_id, result)
        except Exception as exc:  # never lose the row to a bug: it ends unconfirmed, reported
            log.exception("delivery %s: settling failed", item.delivery_id)
            self.add(item.final(OutcomeUnknown(f"{reason.message}; settling failed: {exc}")))
            return
        if isinstance(found, PublishedPost):
            self.add(item.outcome(post=found, at=self.clock.now()))
        elif found is not None:
            self.add(found)

    async def _find(self, item: Claimed, reason: PlatformError) -> PublishedPost | Outcome | None:
        """The post, or the outcome to write when there is none (or no way to tell)."""
        adapter = await self.adapter(item.platform, item.instance_url)
        finder = declaration(item.platform).finder(adapter)
        if finder is None:
            return item.final(OutcomeUnknown(f"{reason.message}; the platform cannot be asked"))
        tries = 0
        while True:
            problem: str
            try:
                async with self._lookups:
                    found: PublishedPost | None = await asyncio.to_thread(
                        finder.find_recent_post,
                        item.tokens,
                        account_id=item.account_id,
                        text=item.text,
                    )
            except PlatformError as exc:
                problem = f"could not check the platform: {exc.message}"
            else:
                if found is not None:
                    return found
                if not isinstance(reason, Duplicate):
                    return item.outcome(
                        error=Transient(f"not posted after all ({reason.message}): sending again")
                    )
                problem = "the platform says it exists but it is not on the account yet"
            tries += 1
            wait = backoff_s(tries)
            if self.clock.now() + timedelta(seconds=wait) >= item.retry_until:
                if isinstance(reason, Duplicate):
                    return item.final(reason)
                return item.final(OutcomeUnknown(f"{reason.message}; {problem}"))
            await asyncio.sleep(wait)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Settling tasks end with the firer; rows they held go stale and are settled again."""
        try:
            yield
        finally:
            for task in list(self._tasks):
                task.cancel()
            for task in list(self._tasks):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
