"""One preparation page's work (prepare.py hands out the pages): text checks once per distinct
text, token refreshes 16 at a time, the connection check, staging. Every write lands on
`pending` rows only, so it is harmless twice and never touches a row a firer took.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from amplifier.crypto import TokenCipher
from amplifier.db import Database
from amplifier.models import Delivery, DeliveryStatus, Pledge
from amplifier.notify.preflight import check_prepared
from amplifier.platforms.base import AuthExpired, PlatformError
from amplifier.pledges.connectors import Connectors, PlatformUnavailable
from amplifier.release import pages
from amplifier.release.credentials import RefreshLocks, refresh_pledge
from amplifier.release.outcomes import describe
from amplifier.release.staging import stage_deliveries

log = logging.getLogger(__name__)
REFRESH_MARGIN = timedelta(minutes=10)
_PAGE = 500  # pledges read per query


@dataclass
class Preparation:
    refreshed: int = 0
    dropped: int = 0
    staged: int = 0
    pages: int = 0  # pages this preparer prepared
    ready: bool = False  # this call stamped the campaign prepared (its caller queues the firers)


def prepare_page(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    locks: RefreshLocks,
    page: pages.Page,
    release_at: datetime,
    now: datetime,
    result: Preparation,
) -> None:
    """Text checks, token refreshes, the connection check and staging of one page's rows."""
    ids, campaign_id = (page.first_delivery_id, page.last_delivery_id), page.campaign_id
    result.dropped += _drop_texts_that_do_not_fit(db, connectors, campaign_id, ids, now)
    refreshed, dropped = _refresh_expiring(
        db, connectors, cipher, locks, campaign_id, ids, before=release_at + REFRESH_MARGIN, now=now
    )
    result.refreshed += refreshed
    result.dropped += dropped
    result.dropped += _drop_dead_connections(
        db, connectors, cipher, campaign_id, ids, release_at=release_at, now=now
    )
    staging = stage_deliveries(  # uploads and containers, per post, before T
        db,
        connectors,
        cipher,
        campaign_id=campaign_id,
        release_at=release_at,
        now=now,
        delivery_ids=ids,
    )
    result.staged += staging.staged
    result.dropped += staging.dropped


def _drop_dead_connections(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    campaign_id: int,
    ids: tuple[int, int],
    *,
    release_at: datetime,
    now: datetime,
) -> int:
    """The preflight's second look (notify/preflight.py), in half the time left before T."""
    dead = check_prepared(
        db,
        connectors,
        cipher,
        campaign_id=campaign_id,
        now=now,
        until=now + (release_at - now) / 2,
        refreshed_before=release_at + REFRESH_MARGIN,
        delivery_ids=ids,
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
    db: Database, connectors: Connectors, campaign_id: int, ids: tuple[int, int], now: datetime
) -> int:
    """The text is checked once per platform, instance and text in the page, not per pledge."""
    in_page = col(Delivery.id).between(*ids)
    dropped = 0
    with db.session() as session:
        groups = session.exec(
            select(Pledge.platform, Pledge.instance_url, Pledge.post_text)
            .join(Delivery, col(Delivery.pledge_id) == col(Pledge.id))
            .where(
                Delivery.campaign_id == campaign_id,
                Delivery.status == DeliveryStatus.PENDING,
                in_page,
            )
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
            found = session.exec(
                select(Delivery.id)
                .join(Pledge, col(Pledge.id) == col(Delivery.pledge_id))
                .where(
                    Delivery.campaign_id == campaign_id,
                    in_page,
                    Pledge.platform == platform,
                    Pledge.instance_url == instance_url,
                    Pledge.post_text == text,
                )
            ).all()
            dropped += _fail_pending(
                session,
                [i for i in found if i is not None],
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
    ids: tuple[int, int],
    *,
    before: datetime,
    now: datetime,
) -> tuple[int, int]:
    """Refresh, in parallel, every token of the page that would expire before T + margin.

    Each rotated pair is stored as soon as the platform answers, in its own transaction."""
    refreshed = dropped = 0
    last_id = 0
    with ThreadPoolExecutor(max_workers=16) as pool:
        while True:
            with db.session() as session:
                rows = session.exec(
                    select(Pledge, Delivery.id)
                    .join(Delivery, col(Delivery.pledge_id) == col(Pledge.id))
                    .where(
                        Delivery.campaign_id == campaign_id,
                        Delivery.status == DeliveryStatus.PENDING,
                        col(Delivery.id).between(*ids),
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
