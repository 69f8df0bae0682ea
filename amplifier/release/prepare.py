"""Before T: make the delivery rows, refresh tokens that would expire, drop what cannot be posted,
stage what the platforms need per post before it can leave (staging.py: media uploads).

Nothing slow is left for the release instant. Runs once per campaign under its lease, which a
heartbeat keeps alive for as long as the preparation lasts (pages of refreshes against a slow
token endpoint may outlast it). A second run is harmless all the same: rows are made only when
the campaign leaves `armed`, each refresh happens under its pledge's lock and skips a pair
another worker already refreshed (credentials.py), and failures only land on pending rows.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select, update

from amplifier.campaigns import modes as campaign_modes
from amplifier.campaigns.consent import drop_unconsented
from amplifier.crypto import TokenCipher
from amplifier.db import Database
from amplifier.models import Campaign, Delivery, DeliveryStatus, Pledge, PledgeStatus
from amplifier.notify import events as notify_events
from amplifier.notify.preflight import check_prepared
from amplifier.platforms.base import AuthExpired, PlatformError
from amplifier.platforms.posting import PostingMode
from amplifier.pledges.connectors import Connectors, PlatformUnavailable
from amplifier.release.credentials import RefreshLocks, refresh_locks, refresh_pledge
from amplifier.release.outcomes import describe
from amplifier.release.staging import stage_deliveries

log = logging.getLogger(__name__)
REFRESH_MARGIN = timedelta(minutes=10)
_PAGE = 500


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


@dataclass
class Preparation:
    refreshed: int = 0
    dropped: int = 0
    staged: int = 0


def prepare(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    *,
    campaign_id: int,
    now: datetime,
    lease_s: float = 60.0,
    locks: RefreshLocks | None = None,
) -> Preparation:
    """`locks`: the pledges' refresh locks (default: this deployment's, from settings)."""
    result = Preparation()
    with _lease_kept(db, campaign_id, lease_s, now):
        _prepare(
            db,
            connectors,
            cipher,
            locks or refresh_locks(connectors.settings),
            campaign_id=campaign_id,
            now=now,
            lease_s=lease_s,
            result=result,
        )
    log.info(
        "campaign %s prepared: %s tokens refreshed, %s pledges dropped",
        campaign_id,
        result.refreshed,
        result.dropped,
    )
    return result


@contextmanager
def _lease_kept(db: Database, campaign_id: int, lease_s: float, now: datetime) -> Iterator[None]:
    """Renew the campaign's lease every third of it while the block runs, so that no tick
    hands the campaign to a second preparer while this one is still at work."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(lease_s / 3):
            try:
                _renew_lease(db, campaign_id, lease_s, now)
            except Exception as exc:  # a database blip: the next beat tries again
                log.warning("campaign %s: could not renew the lease: %s", campaign_id, exc)

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


def _prepare(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    locks: RefreshLocks,
    *,
    campaign_id: int,
    now: datetime,
    lease_s: float,
    result: Preparation,
) -> None:
    began = time.monotonic()
    with db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            return
        release_at = campaign.release_at
        # only a text its supporter agreed to, in the current version, may leave (consent.py)
        result.dropped += drop_unconsented(session, campaign_id=campaign_id, now=now)
    result.dropped += _drop_texts_that_do_not_fit(db, connectors, campaign_id, now)
    result.refreshed, dropped = _refresh_expiring(
        db,
        connectors,
        cipher,
        locks,
        campaign_id,
        before=release_at + REFRESH_MARGIN,
        now=now,
        lease_s=lease_s,
    )
    result.dropped += dropped
    result.dropped += _drop_dead_connections(
        db, connectors, cipher, campaign_id, release_at=release_at, now=now, lease_s=lease_s
    )
    _renew_lease(db, campaign_id, lease_s, now)
    staging = stage_deliveries(  # uploads and containers, per post, before T
        db, connectors, cipher, campaign_id=campaign_id, release_at=release_at, now=now
    )
    result.staged, result.dropped = staging.staged, result.dropped + staging.dropped
    with db.session() as session:
        session.execute(
            update(Campaign)
            .where(col(Campaign.id) == campaign_id)
            # when it ended (uploads can take a while): `now` plus the time it took
            .values(prepared_at=now + timedelta(seconds=time.monotonic() - began))
        )
        notify_events.prepared(session, campaign_id)  # the owner hears of the drops


def _drop_dead_connections(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    campaign_id: int,
    *,
    release_at: datetime,
    now: datetime,
    lease_s: float,
) -> int:
    """The preflight's second look (notify/preflight.py), in half the time left before T."""

    def keep_lease() -> None:
        with db.session() as session:
            session.execute(
                update(Campaign)
                .where(col(Campaign.id) == campaign_id)
                .values(lease_until=datetime.now(now.tzinfo) + timedelta(seconds=lease_s))
            )

    dead = check_prepared(
        db,
        connectors,
        cipher,
        campaign_id=campaign_id,
        now=now,
        until=now + (release_at - now) / 2,
        refreshed_before=release_at + REFRESH_MARGIN,
        keep_lease=keep_lease,
    )
    dropped = 0
    with db.session() as session:
        for delivery_id, why in dead.items():
            dropped += _fail_pending(session, [delivery_id], why, now)
    return dropped


def _fail_pending(session: Session, delivery_ids: list[int], reason: str, now: datetime) -> int:
    if not delivery_ids:
        return 0
    done = session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(delivery_ids), col(Delivery.status) == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.FAILED, error=reason[:2000], finished_at=now)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def _drop_texts_that_do_not_fit(
    db: Database, connectors: Connectors, campaign_id: int, now: datetime
) -> int:
    """The text is checked once per platform and instance, not once per pledge."""
    dropped = 0
    with db.session() as session:
        groups = session.exec(
            select(Pledge.platform, Pledge.instance_url, Pledge.post_text)
            .join(Delivery, col(Delivery.pledge_id) == col(Pledge.id))
            .where(Delivery.campaign_id == campaign_id, Delivery.status == DeliveryStatus.PENDING)
            .distinct()
        ).all()
        for platform, instance_url, text in groups:
            try:
                problems = connectors.for_platform(session, platform, instance_url).text_problems(
                    text
                )
            except PlatformUnavailable as exc:
                problems = [str(exc)]
            if not problems:
                continue
            ids = session.exec(
                select(Delivery.id)
                .join(Pledge, col(Pledge.id) == col(Delivery.pledge_id))
                .where(
                    Delivery.campaign_id == campaign_id,
                    Pledge.platform == platform,
                    Pledge.instance_url == instance_url,
                    Pledge.post_text == text,
                )
            ).all()
            dropped += _fail_pending(
                session,
                [i for i in ids if i is not None],
                "cannot be posted: " + " ".join(problems),
                now,
            )
    return dropped


def _refresh_expiring(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    locks: RefreshLocks,
    campaign_id: int,
    *,
    before: datetime,
    now: datetime,
    lease_s: float,
) -> tuple[int, int]:
    """Refresh, in pages and in parallel, every token that would expire before T + margin.

    Each rotated pair is stored as soon as the platform answers, in its own transaction."""
    refreshed = dropped = 0
    last_id = 0
    with ThreadPoolExecutor(max_workers=16) as pool:
        while True:
            _renew_lease(db, campaign_id, lease_s, now)  # still working on it
            with db.session() as session:
                rows = session.exec(
                    select(Pledge, Delivery.id)
                    .join(Delivery, col(Delivery.pledge_id) == col(Pledge.id))
                    .where(
                        Delivery.campaign_id == campaign_id,
                        Delivery.status == DeliveryStatus.PENDING,
                        col(Pledge.token_expires_at) < before,
                        col(Pledge.id) > last_id,
                    )
                    .order_by(col(Pledge.id))
                    .limit(_PAGE)
                ).all()
            if not rows:
                return refreshed, dropped
            last_id = max(p.id or 0 for p, _ in rows)
            for ok in pool.map(
                lambda row: _refresh_one(
                    db, connectors, cipher, locks, row[0], row[1], before=before, now=now
                ),
                rows,
            ):
                refreshed += ok == "refreshed"
                dropped += ok == "dropped"


def _refresh_one(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    locks: RefreshLocks,
    pledge: Pledge,
    delivery_id: int | None,
    *,
    before: datetime,
    now: datetime,
) -> str:
    assert pledge.id is not None and delivery_id is not None
    try:
        with db.session() as session:
            adapter = connectors.for_platform(session, pledge.platform, pledge.instance_url)
        refreshed = refresh_pledge(db, cipher, adapter, pledge.id, locks=locks, fresh_until=before)
    except AuthExpired as exc:
        with db.session() as session:
            _fail_pending(session, [delivery_id], describe(exc), now)
        return "dropped"
    except (PlatformError, PlatformUnavailable, ValueError) as exc:
        log.warning(
            "pledge %s: refresh postponed to the release (%s)", pledge.id, type(exc).__name__
        )
        return "later"
    return "refreshed" if refreshed.by_us else "fresh"
