"""The outbox: rows written with the event, claimed by a conditional UPDATE, recorded once sent.

    enqueue(session, …)        in the event's own transaction (the caller commits)
    claim(db, worker, …)       SELECT … FOR UPDATE SKIP LOCKED, then UPDATE … WHERE pending
    mark_sent / retry_later / mark_failed / suppress   each a conditional UPDATE on our claim
    release_stale(session, …)  claims of a dead worker go back to pending after `stale_s`

The same pattern as the release's delivery rows (fire.py): two mail workers never hold one
row, and a worker killed mid-send leaves its rows to be handed out again, not forgotten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, select, update

from amplifier.db import Database
from amplifier.notify.tables import MailStatus, OutboxMessage

MAX_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 20  # ~ a day of doubling retries capped at an hour, then given up and reported


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    recipient: str
    context: dict[str, Any]
    campaign_id: int | None
    pledge_id: int | None
    owner_id: int | None
    attempts: int


def enqueue(
    session: Session,
    *,
    kind: str,
    recipient: str,
    dedup_key: str,
    context: dict[str, Any] | None = None,
    campaign_id: int | None = None,
    pledge_id: int | None = None,
    owner_id: int | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue one mail in the caller's transaction; False if this event already queued it."""
    values = {
        "kind": kind,
        "recipient": recipient.strip().lower(),
        "dedup_key": dedup_key[:200],
        "context": json.dumps(context or {}, default=str, sort_keys=True),
        "campaign_id": campaign_id,
        "pledge_id": pledge_id,
        "owner_id": owner_id,
        "status": MailStatus.PENDING.value,
        "attempts": 0,
        "not_before": not_before,
    }
    insert = (
        postgresql.insert(OutboxMessage)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(OutboxMessage)
    )
    made = session.execute(
        insert.values(**values)
        .on_conflict_do_nothing(index_elements=["recipient", "dedup_key"])
        .returning(col(OutboxMessage.id))
    ).first()
    return made is not None


def claim(db: Database, worker: str, *, now: datetime, limit: int) -> list[Claimed]:
    """Up to `limit` due rows, now ours: committed before any SMTP conversation starts."""
    with db.session() as session:
        due = sa.or_(col(OutboxMessage.not_before).is_(None), col(OutboxMessage.not_before) <= now)
        ids = list(
            session.exec(
                select(OutboxMessage.id)
                .where(col(OutboxMessage.status) == MailStatus.PENDING, due)
                .order_by(col(OutboxMessage.id))
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return []
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.status) == MailStatus.PENDING)
            .values(
                status=MailStatus.SENDING,
                claimed_by=worker,
                claimed_at=now,
                attempts=col(OutboxMessage.attempts) + 1,
            )
        )
        rows = session.exec(
            select(OutboxMessage).where(
                col(OutboxMessage.id).in_(ids),
                col(OutboxMessage.status) == MailStatus.SENDING,
                col(OutboxMessage.claimed_by) == worker,
            )
        ).all()
        return [
            Claimed(
                id=r.id or 0,
                kind=r.kind,
                recipient=r.recipient,
                context=json.loads(r.context or "{}"),
                campaign_id=r.campaign_id,
                pledge_id=r.pledge_id,
                owner_id=r.owner_id,
                attempts=r.attempts,
            )
            for r in rows
        ]


def _ours(row_id: int, worker: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(OutboxMessage.id) == row_id,
        col(OutboxMessage.status) == MailStatus.SENDING,
        col(OutboxMessage.claimed_by) == worker,
    )


def mark_sent(session: Session, row_id: int, worker: str, *, now: datetime) -> None:
    session.execute(
        update(OutboxMessage)
        .where(_ours(row_id, worker))
        .values(status=MailStatus.SENT, sent_at=now, last_error=None)
    )


def retry_later(
    session: Session,
    row: Claimed,
    worker: str,
    *,
    now: datetime,
    error: str,
    base_s: float,
    count_attempt: bool = True,
) -> None:
    """A temporary failure (server down, 4xx answer, rate cap): back to pending, later."""
    if count_attempt and row.attempts >= MAX_ATTEMPTS:
        mark_failed(
            session, row.id, worker, now=now, error=f"gave up after {row.attempts}: {error}"
        )
        return
    delay = min(timedelta(seconds=base_s * 2 ** max(row.attempts - 1, 0)), MAX_RETRY)
    session.execute(
        update(OutboxMessage)
        .where(_ours(row.id, worker))
        .values(
            status=MailStatus.PENDING,
            not_before=now + delay,
            claimed_by=None,
            last_error=error[:1000],
            attempts=col(OutboxMessage.attempts) - (0 if count_attempt else 1),
        )
    )


def defer(session: Session, row: Claimed, worker: str, *, until: datetime, why: str) -> None:
    """Not an attempt (the per-recipient cap): waits until `until`, attempts unchanged."""
    session.execute(
        update(OutboxMessage)
        .where(_ours(row.id, worker))
        .values(
            status=MailStatus.PENDING,
            not_before=until,
            claimed_by=None,
            last_error=why[:1000],
            attempts=col(OutboxMessage.attempts) - 1,
        )
    )


def mark_failed(session: Session, row_id: int, worker: str, *, now: datetime, error: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(_ours(row_id, worker))
        .values(status=MailStatus.FAILED, sent_at=None, last_error=error[:1000], claimed_at=now)
    )


def suppress(session: Session, row_id: int, worker: str, *, why: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(_ours(row_id, worker))
        .values(status=MailStatus.SUPPRESSED, last_error=why[:1000])
    )


def release_stale(session: Session, *, now: datetime, stale_s: float) -> int:
    """Rows a dead worker held go back to pending. A worker killed after the server accepted
    the mail and before this row said so sends it again with the same Message-ID (dispatch.py);
    that window is the few milliseconds between the server's 250 and our UPDATE."""
    done = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == MailStatus.SENDING,
            col(OutboxMessage.claimed_at) < now - timedelta(seconds=stale_s),
        )
        .values(status=MailStatus.PENDING, claimed_by=None)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def sent_recently(session: Session, recipient: str, *, since: datetime) -> list[datetime]:
    """When mails to this address left since `since`, oldest first (the per-recipient cap)."""
    return [
        t
        for t in session.exec(
            select(OutboxMessage.sent_at)
            .where(
                col(OutboxMessage.recipient) == recipient,
                col(OutboxMessage.status) == MailStatus.SENT,
                col(OutboxMessage.sent_at) >= since,
            )
            .order_by(col(OutboxMessage.sent_at))
        )
        if t is not None
    ]


def purge_old(session: Session, *, now: datetime, keep_days: int) -> int:
    """Sent, failed and suppressed rows (and the addresses in them) go after `keep_days`."""
    done = session.execute(
        delete(OutboxMessage).where(
            col(OutboxMessage.status).in_(
                [MailStatus.SENT, MailStatus.FAILED, MailStatus.SUPPRESSED]
            ),
            col(OutboxMessage.created_at) < now - timedelta(days=keep_days),
        )
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def forget_pledge_addresses(session: Session, *, pledge_ids: list[int]) -> None:
    """Data deletion: queued mails to these pledges' addresses are dropped, not sent."""
    if pledge_ids:
        session.execute(
            delete(OutboxMessage).where(
                col(OutboxMessage.pledge_id).in_(pledge_ids),
                col(OutboxMessage.status) == MailStatus.PENDING,
            )
        )
