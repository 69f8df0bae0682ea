"""The claim on a delivery row, in SQL: who may send it, and until when nobody else may.

Every statement is conditional, so the database decides between firers racing for a row:

    claim_page   `pending` → `sending` under a claim token (`<firer id>#<n>`, new for every page),
                 `claimed_at` = now; `attempts` + 1; `sent_at` keeps the first claim's time
    fence        right before a send: still `sending` under this very token → `claimed_at` = now;
                 a row another firer or a settler took is not returned, and must not be sent
    renew        every second or so: `claimed_at` = now on every row held under the firer's
                 tokens, so that a live firer's rows never look stale
    take_stale   rows whose claim was not renewed for `stale_s` (their firer died or stalled):
                 rows of a platform that honours an idempotency key go straight back to
                 `pending`; the others are taken under the settler's token to be looked for

A claim token names one page of one firer, not the firer: a firer that stalled, lost its rows to a
settler and later claimed some of them again cannot send them twice through its old page.
Domain functions: the caller's session scope commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col, select, update

from amplifier.campaigns.moderation import release_not_held
from amplifier.models import Campaign, Delivery, DeliveryStatus, Pledge
from amplifier.platforms.base import Staged
from amplifier.release.outcomes import resend_is_safe
from amplifier.release.staging import decode


@dataclass(frozen=True, slots=True)
class ClaimedPledge:
    """What sending a claimed row needs of its pledge, read as plain columns: making a `Pledge`
    entity per row showed in the firer's profile (about 6% of its CPU at 10,000 rows)."""

    id: int
    platform: str
    instance_url: str
    account_id: str
    post_text: str
    access_token_enc: str | None
    refresh_token_enc: str | None
    token_expires_at: datetime | None
    token_scope: str | None
    token_extras_enc: str | None


_PLEDGE_COLUMNS = tuple(
    getattr(Pledge, name) for name in ClaimedPledge.__dataclass_fields__
)  # in the dataclass's order


@dataclass(frozen=True)
class ClaimedRow:
    delivery_id: int
    attempts: int  # this claim included
    first_sent_at: datetime
    pledge: ClaimedPledge
    staged: Staged | None = None  # what preparation staged for it (staging.py)


def claim_page(
    session: Session, *, campaign_id: int, limit: int, token: str, now: datetime
) -> list[ClaimedRow]:
    """Claim up to `limit` pending rows that are due; none while the campaign is suspended."""
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
    # Two statements, not `UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`:
    # PostgreSQL may run such a subquery again for every row it updates, and each run skips the
    # rows just locked, so one claim swept the whole campaign. The SELECT's row locks last until
    # commit, so other firers skip these rows. Both run on the connection (Core), not through
    # the ORM session: the ORM's per-statement compile showed in the firer's profile.
    conn = session.connection()
    picked = list(conn.execute(candidates).scalars())
    if not picked:
        return []
    claimed = conn.execute(
        update(Delivery)
        .where(
            _among(session, picked),
            col(Delivery.status) == DeliveryStatus.PENDING,
            # suspended meanwhile: claim nothing more (rows in flight still finish)
            sa.exists().where(col(Campaign.id) == campaign_id, release_not_held()),
        )
        .values(
            status=DeliveryStatus.SENDING,
            claimed_at=now,
            claimed_by=token,
            sent_at=sa.func.coalesce(col(Delivery.sent_at), now),
            attempts=Delivery.attempts + 1,
        )
        .returning(col(Delivery.id))
    ).all()
    ids = [row[0] for row in claimed if row[0] is not None]
    if not ids:
        return []
    return _rows(session, ids, now)


def _rows(session: Session, ids: list[int], now: datetime) -> list[ClaimedRow]:
    """The claimed rows with their pledges and stagings, in one statement (Core, no entities)."""
    rows = (
        session.connection()
        .execute(
            sa.select(
                col(Delivery.id),
                col(Delivery.attempts),
                col(Delivery.sent_at),
                col(Delivery.staged_ids),
                col(Delivery.staged_until),
                *_PLEDGE_COLUMNS,
            )
            .join(Pledge, col(Pledge.id) == col(Delivery.pledge_id))
            .where(_among(session, ids))
            .order_by(col(Delivery.id))
        )
        .all()
    )
    out = []
    for delivery_id, attempts, sent_at, staged_ids, staged_until, *pledge in rows:
        staged = decode(staged_ids, staged_until) if staged_ids is not None else None
        out.append(
            ClaimedRow(delivery_id, attempts, sent_at or now, ClaimedPledge(*pledge), staged)
        )
    return out


def _among(session: Session, ids: list[int]) -> sa.ColumnElement[bool]:
    """`delivery.id` is one of `ids`. On PostgreSQL `= ANY(array)`: one statement text whatever
    the number of ids, so psycopg's and the server's prepared statements are reused (an
    `IN (…)` list renders new SQL for every length, parsed again each time)."""
    if session.get_bind().dialect.name == "postgresql":
        return col(Delivery.id) == sa.any_(sa.bindparam("ids", ids, type_=ARRAY(sa.Integer)))
    return col(Delivery.id).in_(ids)


def fence(session: Session, holds: list[tuple[int, str]], *, now: datetime) -> set[int]:
    """Renew each (row, token) still held; the ids returned may be sent, the others not."""
    by_token: dict[str, list[int]] = defaultdict(list)
    for delivery_id, token in holds:
        by_token[token].append(delivery_id)
    held: set[int] = set()
    conn = session.connection()  # Core, not the ORM session: see claim_page
    for token, ids in by_token.items():
        rows = conn.execute(
            update(Delivery)
            .where(
                _among(session, ids),
                col(Delivery.claimed_by) == token,
                col(Delivery.status) == DeliveryStatus.SENDING,
            )
            .values(claimed_at=now)
            .returning(col(Delivery.id))
        ).all()
        held.update(row[0] for row in rows if row[0] is not None)
    return held


def renew(session: Session, *, campaign_id: int, firer_id: str, now: datetime) -> None:
    """Keep every row held under one of this firer's tokens from looking stale."""
    session.connection().execute(
        update(Delivery)
        .where(
            col(Delivery.campaign_id) == campaign_id,
            col(Delivery.status) == DeliveryStatus.SENDING,
            col(Delivery.claimed_by).startswith(f"{firer_id}#", autoescape=True),
        )
        .values(claimed_at=now)
    )


@dataclass(frozen=True)
class StaleRow:
    row: ClaimedRow
    last_renewed: datetime  # when the stopped firer last confirmed its claim


def take_stale(
    session: Session,
    *,
    campaign_id: int,
    now: datetime,
    stale_s: float,
    limit: int,
    token: str,
) -> tuple[int, list[StaleRow]]:
    """Settle a batch of stale rows: (how many went straight back to `pending`, rows taken).

    A resend is safe for a row whose platform still remembers its idempotency key: it goes
    back to `pending` with no attempt spent. The others are taken under `token` (this firer's,
    so that its renewal keeps them) for a look-up on the platform.
    """
    cutoff = now - timedelta(seconds=stale_s)
    stale = session.execute(
        select(Delivery.id, Delivery.claimed_at, Delivery.sent_at, Pledge.platform)
        .join(Pledge, col(Pledge.id) == col(Delivery.pledge_id))
        .where(
            Delivery.campaign_id == campaign_id,
            Delivery.status == DeliveryStatus.SENDING,
            col(Delivery.claimed_at) < cutoff,
        )
        .order_by(col(Delivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=Delivery)  # type: ignore[arg-type]
    ).all()
    back = [d for d, _, sent_at, platform in stale if resend_is_safe(platform, sent_at, now)]
    last = {d: claimed_at for d, claimed_at, _, _ in stale}
    rest = [d for d in last if d not in back]
    still_stale = (
        col(Delivery.status) == DeliveryStatus.SENDING,
        col(Delivery.claimed_at) < cutoff,
    )
    handed_back = 0
    if back:
        handed_back = len(
            session.execute(
                update(Delivery)
                .where(col(Delivery.id).in_(back), *still_stale)
                .values(
                    status=DeliveryStatus.PENDING,
                    claimed_by=None,
                    not_before=None,
                    attempts=Delivery.attempts - 1,  # resent with the same key: not a new try
                    error="its worker stopped: resent with the same idempotency key",
                )
                .returning(col(Delivery.id))
            ).all()
        )
    if not rest:
        return handed_back, []
    taken = session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(rest), *still_stale)
        .values(claimed_by=token, claimed_at=now)
        .returning(col(Delivery.id))
    ).all()
    ids = [row[0] for row in taken]
    rows = _rows(session, ids, now) if ids else []
    return handed_back, [StaleRow(r, last[r.delivery_id] or now) for r in rows]
