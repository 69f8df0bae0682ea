"""What a platform's answer means for a delivery row, decided from the error class alone.

    posted           → `posted`, remote id and URL stored (always wins: the post exists)
    Transient, RateLimited          → `pending` again, not before the platform's reset
    OutcomeUnknown on Mastodon      → `pending` again: the same Idempotency-Key makes it safe
    OutcomeUnknown on X             → the firer looks for the post first (see fire.py)
    AuthExpired, Rejected           → `failed`, with the reason, for the owner's report
Retries stop after MAX_ATTEMPTS; an unknown outcome that could not be settled ends `unconfirmed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from amplifier.models import Delivery, DeliveryStatus
from amplifier.platforms.base import (
    AuthExpired,
    OutcomeUnknown,
    PlatformError,
    PublishedPost,
    RateLimited,
    Transient,
)

MAX_ATTEMPTS = 3
_table = Delivery.__table__  # type: ignore[attr-defined]


class Deferred(Transient):
    """Not sent at all (a limiter kept it waiting): back to `pending`, no attempt spent."""

    def __init__(self, message: str, *, until: datetime | None = None) -> None:
        super().__init__(message)
        self.until = until


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    claimed_by: str
    attempts: int
    platform: str
    post: PublishedPost | None = None
    error: PlatformError | None = None
    at: datetime | None = None  # when the platform's answer arrived


def describe(exc: PlatformError) -> str:
    kind = {
        AuthExpired: "the supporter's authorization was revoked or expired",
        RateLimited: "rate limited by the platform",
        Transient: "the platform was unavailable",
        OutcomeUnknown: "no answer from the platform; the post may or may not exist",
    }.get(type(exc), "refused by the platform")
    return f"{kind}: {exc.message}"[:2000]


def retry_allowed(exc: PlatformError, *, attempts: int, platform: str) -> bool:
    if attempts >= MAX_ATTEMPTS:
        return False
    if isinstance(exc, Transient | RateLimited):
        return True
    return isinstance(exc, OutcomeUnknown) and platform == "mastodon"


def record(session: Session, outcomes: list[Outcome], *, now: datetime) -> None:
    """Write a batch of answers; a failure only lands on a row its firer still holds."""
    posted = [
        {
            "b_id": o.delivery_id,
            "b_remote_id": o.post.remote_id,
            "b_remote_url": o.post.url,
            "b_finished": o.at or now,
        }
        for o in outcomes
        if o.post is not None
    ]
    if posted:
        session.connection().execute(
            _table.update()
            .where(_table.c.id == sa.bindparam("b_id"), _table.c.status != DeliveryStatus.POSTED)
            .values(
                status=DeliveryStatus.POSTED,
                remote_id=sa.bindparam("b_remote_id"),
                remote_url=sa.bindparam("b_remote_url"),
                finished_at=sa.bindparam("b_finished"),
                error=None,
                retryable=False,
                not_before=None,
            ),
            posted,
        )
    failed = []
    for o in outcomes:
        if o.error is None:
            continue
        again = retry_allowed(o.error, attempts=o.attempts, platform=o.platform)
        if isinstance(o.error, OutcomeUnknown) and not again:
            status = DeliveryStatus.UNCONFIRMED
        else:
            status = DeliveryStatus.PENDING if again else DeliveryStatus.FAILED
        not_before = now
        attempts = o.attempts
        if isinstance(o.error, RateLimited) and o.error.retry_at is not None:
            not_before = max(now, o.error.retry_at)
        if isinstance(o.error, Deferred):
            again, status, attempts = True, DeliveryStatus.PENDING, max(0, o.attempts - 1)
            not_before = max(now, o.error.until) if o.error.until else now
        failed.append(
            {
                "b_id": o.delivery_id,
                "b_by": o.claimed_by,
                "b_status": status,
                "b_error": describe(o.error),
                "b_retryable": o.error.retryable,
                "b_finished": None if again else now,
                "b_not_before": not_before if again else None,
                "b_attempts": attempts,
            }
        )
    if failed:
        session.connection().execute(
            _table.update()
            .where(
                _table.c.id == sa.bindparam("b_id"),
                _table.c.claimed_by == sa.bindparam("b_by"),
                _table.c.status == DeliveryStatus.SENDING,
            )
            .values(
                status=sa.bindparam("b_status"),
                error=sa.bindparam("b_error"),
                retryable=sa.bindparam("b_retryable"),
                finished_at=sa.bindparam("b_finished"),
                not_before=sa.bindparam("b_not_before"),
                attempts=sa.bindparam("b_attempts"),
            ),
            failed,
        )
