"""The claim on a preparation page, in SQL: which preparer prepares which run of deliveries.

A campaign's delivery rows are cut into pages of consecutive ids once (`make_pages`); every
preparer then claims pages one at a time, the way firers claim deliveries (claims.py):

    claim       `SELECT … FOR UPDATE SKIP LOCKED` of one page that is `pending`, or `preparing`
                under a claim not renewed for `stale_s` (its preparer died or stalled), then a
                conditional UPDATE to `preparing` under a new claim token, `claims` + 1
    renew       every third of the stale time while the page is being prepared
    done        `preparing` under this very token → `done`; a page taken over meanwhile is not
                marked by the preparer that lost it (its work was harmless: see prepare.py)

So two live preparers never prepare the same page, and a dead one's page is prepared again by
another after `stale_s`. Domain functions: the caller's session scope commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select, update

from amplifier.models import Campaign, Delivery, PreparePage

PENDING, PREPARING, DONE = "pending", "preparing", "done"


@dataclass(frozen=True)
class Page:
    id: int
    number: int
    first_delivery_id: int
    last_delivery_id: int
    token: str  # the claim token it is held under
    campaign_id: int


def make_pages(session: Session, *, campaign_id: int, size: int) -> int:
    """Cut the campaign's delivery rows into pages of `size` consecutive ids, in one statement;
    pages already made are kept (a second call, or a re-handed campaign, adds none)."""
    numbered = (
        sa.select(
            col(Delivery.id).label("id"),
            ((sa.func.row_number().over(order_by=col(Delivery.id)) - 1) // size).label("number"),
        )
        .where(col(Delivery.campaign_id) == campaign_id)
        .subquery()
    )
    rows = sa.select(
        sa.literal(campaign_id),
        numbered.c.number,
        sa.func.min(numbered.c.id),
        sa.func.max(numbered.c.id),
        sa.literal(PENDING),
        sa.literal(0),
    ).group_by(numbered.c.number)
    insert = (
        postgresql.insert(PreparePage)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(PreparePage)
    )
    columns = ["campaign_id", "number", "first_delivery_id", "last_delivery_id", "status", "claims"]
    done = session.execute(
        insert.from_select(columns, rows).on_conflict_do_nothing(
            index_elements=["campaign_id", "number"]
        )
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def claim(
    session: Session, *, campaign_id: int, token: str, now: datetime, stale_s: float
) -> Page | None:
    """One page to prepare under `token`, or None when every page is done or held by a live
    preparer."""
    cutoff = now - timedelta(seconds=stale_s)
    free = sa.or_(
        col(PreparePage.status) == PENDING,
        sa.and_(col(PreparePage.status) == PREPARING, col(PreparePage.claimed_at) < cutoff),
    )
    picked = session.execute(
        select(PreparePage.id)
        .where(col(PreparePage.campaign_id) == campaign_id, free)
        .order_by(col(PreparePage.number))
        .limit(1)
        .with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if picked is None:
        return None
    taken = session.execute(
        update(PreparePage)
        .where(col(PreparePage.id) == picked, free)
        .values(status=PREPARING, claimed_by=token, claimed_at=now, claims=PreparePage.claims + 1)
        .returning(
            col(PreparePage.id),
            col(PreparePage.number),
            col(PreparePage.first_delivery_id),
            col(PreparePage.last_delivery_id),
        )
    ).first()
    if taken is None:
        return None
    return Page(taken[0], taken[1], taken[2], taken[3], token, campaign_id)


def renew(session: Session, page: Page, *, now: datetime) -> bool:
    """Keep the page from looking stale; False when another preparer took it meanwhile."""
    kept = session.execute(
        update(PreparePage)
        .where(
            col(PreparePage.id) == page.id,
            col(PreparePage.claimed_by) == page.token,
            col(PreparePage.status) == PREPARING,
        )
        .values(claimed_at=now)
    )
    return bool(kept.rowcount)  # type: ignore[attr-defined]


def done(session: Session, page: Page, *, now: datetime) -> bool:
    """Mark the page prepared; False when it was taken over (the new holder marks it)."""
    marked = session.execute(
        update(PreparePage)
        .where(
            col(PreparePage.id) == page.id,
            col(PreparePage.claimed_by) == page.token,
            col(PreparePage.status) == PREPARING,
        )
        .values(status=DONE, done_at=now)
    )
    return bool(marked.rowcount)  # type: ignore[attr-defined]


def left(session: Session, *, campaign_id: int) -> int:
    """Pages of the campaign not prepared yet (held or not)."""
    return int(
        session.execute(
            select(sa.func.count())
            .select_from(PreparePage)
            .where(col(PreparePage.campaign_id) == campaign_id, col(PreparePage.status) != DONE)
        ).scalar_one()
    )


def mark_prepared(session: Session, *, campaign_id: int, now: datetime) -> bool:
    """Stamp the campaign prepared, once: True for the one caller whose UPDATE did it (that
    caller queues the firers)."""
    stamped = session.execute(
        update(Campaign)
        .where(col(Campaign.id) == campaign_id, col(Campaign.prepared_at).is_(None))
        .values(prepared_at=now)
    )
    return bool(stamped.rowcount)  # type: ignore[attr-defined]
