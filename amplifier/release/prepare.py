"""Before T: make the delivery rows, refresh tokens that would expire, drop what cannot be posted,
stage what the platforms need per post before it can leave (staging.py: media uploads).

Nothing slow is left for the release instant. The rows are cut into pages (pages.py) that any
number of preparers claim, one page per preparer at a time, like firers claim deliveries; each
preparer's heartbeat keeps the campaign's lease and its page's claim alive while it works, so a
dead preparer's page is taken over after the stale time. Page work done twice (a stalled
preparer waking up after its page was taken over) is harmless: each refresh happens under its
pledge's lock and skips a pair another worker already refreshed (credentials.py), failures and
stagings only land on pending rows, and rows already staged are not staged again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, update

from amplifier.campaigns import modes as campaign_modes
from amplifier.campaigns.consent import drop_unconsented
from amplifier.crypto import TokenCipher
from amplifier.db import Database
from amplifier.models import Campaign, Delivery, DeliveryStatus, Pledge, PledgeStatus
from amplifier.notify import events as notify_events
from amplifier.platforms.posting import PostingMode
from amplifier.pledges.connectors import Connectors
from amplifier.release import pages
from amplifier.release.credentials import RefreshLocks, refresh_locks
from amplifier.release.pagework import Preparation as Preparation
from amplifier.release.pagework import prepare_page

log = logging.getLogger(__name__)
PAGE_SIZE = 500  # delivery rows per preparation page


def create_deliveries(session: Session, *, campaign_id: int, now: datetime) -> None:
    """One row per active pledge, in one statement: no pledge is loaded into memory.

    A pledge that has its row already is skipped by the unique `pledge_id` (ON CONFLICT DO
    NOTHING), not by `WHERE NOT EXISTS (… delivery …)`: PostgreSQL planned that anti-join
    against the table being filled as a scan per pledge, and 100,000 pledges took ~57 s.
    """
    rows = sa.select(
        col(Pledge.id),
        col(Pledge.campaign_id),
        sa.literal(DeliveryStatus.PENDING.value),
        sa.literal(0),
        sa.literal(False),
    ).where(
        col(Pledge.campaign_id) == campaign_id,
        col(Pledge.status) == PledgeStatus.ACTIVE,
        col(Pledge.platform).not_in(_not_posted_by_api(session, campaign_id)),  # intents.py
    )
    columns = ["pledge_id", "campaign_id", "status", "attempts", "retryable"]
    insert = (
        postgresql.insert(Delivery)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(Delivery)
    )
    session.execute(
        insert.from_select(columns, rows).on_conflict_do_nothing(index_elements=["pledge_id"])
    )
    session.execute(
        update(Campaign).where(col(Campaign.id) == campaign_id).values(release_started_at=now)
    )


def _not_posted_by_api(session: Session, campaign_id: int) -> list[str]:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return []
    return campaign_modes.platforms_in(campaign, PostingMode.INTENT)


@dataclass(frozen=True)
class Begun:
    prepared: bool  # prepared already: a re-handed campaign, whose firers must be queued again
    dropped: int = 0


def begin_preparation(
    db: Database, *, campaign_id: int, now: datetime, page_size: int = PAGE_SIZE
) -> Begun:
    """Once per hand-out, before any page: drop what was never consented, cut the pages."""
    with db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            return Begun(prepared=False)
        if campaign.prepared_at is not None:
            return Begun(prepared=True)
        # only a text its supporter agreed to, in the current version, may leave (consent.py)
        dropped = drop_unconsented(session, campaign_id=campaign_id, now=now)
        pages.make_pages(session, campaign_id=campaign_id, size=page_size)
    return Begun(prepared=False, dropped=dropped)


def prepare(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    *,
    campaign_id: int,
    now: datetime,
    lease_s: float = 60.0,
    stale_s: float = 10.0,
    page_size: int = PAGE_SIZE,
    locks: RefreshLocks | None = None,
) -> Preparation:
    """The whole preparation in this process (cron runs, `amplifier release`, tests)."""
    begun = begin_preparation(db, campaign_id=campaign_id, now=now, page_size=page_size)
    result = prepare_pages(
        db,
        connectors,
        cipher,
        campaign_id=campaign_id,
        now=now,
        lease_s=lease_s,
        stale_s=stale_s,
        locks=locks,
    )
    result.dropped += begun.dropped
    return result


def prepare_pages(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    *,
    campaign_id: int,
    now: datetime,
    lease_s: float = 60.0,
    stale_s: float = 10.0,
    locks: RefreshLocks | None = None,
    on_ready: Callable[[], None] = lambda: None,
    preparer_id: str | None = None,
) -> Preparation:
    """Claim and prepare pages of the campaign until none is left to claim (pages.py).

    Any number of preparers run this at once, each page by one of them. The campaign is stamped
    prepared (and `on_ready` called, once over all preparers) when every page is done, or at T
    if pages are still left: firing then starts on time while the preparers go on; a row the
    firers reach first is refreshed and staged at its send instead (send.py), as a late
    preparation's rows always were. `locks`: the pledges' refresh locks (default: settings').
    """
    result = Preparation()
    who = preparer_id or f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    with db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            return result
        release_at = campaign.release_at
    locks = locks or refresh_locks(connectors.settings)
    held: list[pages.Page] = []  # the page being prepared now, for the heartbeat
    claims = 0  # a new claim token for every claim, like a firer's pages (claims.py)
    with _lease_kept(db, campaign_id, lease_s, stale_s, now, held):
        while True:
            if datetime.now(now.tzinfo) >= release_at:
                result.ready |= _stamp(db, campaign_id, now, on_ready)  # T: fire what is ready
            claims += 1
            with db.session() as session:
                page = pages.claim(
                    session,
                    campaign_id=campaign_id,
                    token=f"{who}#{claims}",
                    now=datetime.now(now.tzinfo),
                    stale_s=stale_s,
                )
            if page is None:
                with db.session() as session:
                    if pages.left(session, campaign_id=campaign_id) == 0:
                        break
                # the last pages are held by others: wait until they are done, or stale
                time.sleep(min(1.0, stale_s / 3))
                continue
            held[:] = [page]
            prepare_page(db, connectors, cipher, locks, page, release_at, now, result)
            with db.session() as session:
                result.pages += pages.done(session, page, now=datetime.now(now.tzinfo))
            held.clear()
    result.ready |= _stamp(db, campaign_id, now, on_ready)  # every page is done
    log.info(
        "campaign %s: %s pages prepared here: %s tokens refreshed, %s pledges dropped",
        campaign_id,
        result.pages,
        result.refreshed,
        result.dropped,
    )
    return result


def _stamp(db: Database, campaign_id: int, now: datetime, on_ready: Callable[[], None]) -> bool:
    with db.session() as session:
        if not pages.mark_prepared(session, campaign_id=campaign_id, now=datetime.now(now.tzinfo)):
            return False
        notify_events.prepared(session, campaign_id)  # the owner hears of the drops
    on_ready()
    return True


@contextmanager
def _lease_kept(
    db: Database,
    campaign_id: int,
    lease_s: float,
    stale_s: float,
    now: datetime,
    held: list[pages.Page],
) -> Iterator[None]:
    """Renew the campaign's lease and the page held while the block runs, a few times per
    lease and per stale time, so that no tick hands the campaign out again and no preparer
    takes the page over while this one is still at work on it."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(min(lease_s, stale_s) / 3):
            try:
                _renew_lease(db, campaign_id, lease_s, now)
                for page in list(held):
                    with db.session() as session:
                        pages.renew(session, page, now=datetime.now(now.tzinfo))
            except Exception as exc:  # a database blip: the next beat tries again
                log.warning("campaign %s: could not renew the lease: %s", campaign_id, exc)

    _renew_lease(db, campaign_id, lease_s, now)
    heart = threading.Thread(target=beat, name=f"prepare-lease-{campaign_id}", daemon=True)
    heart.start()
    try:
        yield
    finally:
        stop.set()
        heart.join()


def _renew_lease(db: Database, campaign_id: int, lease_s: float, now: datetime) -> None:
    with db.session() as session:
        session.execute(
            update(Campaign)
            .where(col(Campaign.id) == campaign_id)
            .values(lease_until=datetime.now(now.tzinfo) + timedelta(seconds=lease_s))
        )
