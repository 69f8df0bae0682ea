"""What a platform's answer means for a delivery row, decided from the error class alone.

    posted                          → `posted`, remote id and URL stored (always wins: it exists)
    Deferred (nothing was sent)     → `pending` again, no attempt spent
    RateLimited with a reset time   → `pending` until the reset, no attempt spent, never final
    Transient, RateLimited without  → `pending` again after a backoff (1 s doubling to 30 s,
      a reset, OutcomeUnknown where   ±20 %), for as long as the row's retry window lasts
      a resend is safe (idempotency   (`release_retry_window_s` from its first send), then
      key still remembered)           `failed` (or `unconfirmed` for an unknown outcome)
    OutcomeUnknown elsewhere        → settled by a look-up first (settle.py); `unconfirmed` when
                                      the look-up kept failing for the whole window
    AuthExpired, Rejected           → `failed`, with the reason, for the owner's report

A failure is written only onto a row its claim token still holds (another firer or a settler may
have taken it meanwhile); a post is written whoever holds the row, since the post exists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

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
from amplifier.platforms.registry import PLATFORMS

BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 30.0
_table = Delivery.__table__  # type: ignore[attr-defined]


def idempotency_memory(platform: str) -> timedelta | None:
    """How long `platform` remembers an idempotency key (a resend within it returns the first
    post instead of making a second), as its declaration says; None: it has no such key, and an
    unknown outcome is settled by looking for the post (settle.py)."""
    found = PLATFORMS.get(platform)
    return found.idempotency_memory if found is not None else None


def resend_is_safe(platform: str, first_sent_at: datetime | None, now: datetime) -> bool:
    """True while the platform still remembers the idempotency key of the row's first send."""
    memory = idempotency_memory(platform)
    if memory is None:
        return False
    return first_sent_at is None or now - first_sent_at < memory


def backoff_s(attempts: int) -> float:
    """Seconds before try number `attempts + 1`: 1 s doubling to 30 s, jittered ±20 % so that
    rows failed together by one outage do not all come back in the same millisecond."""
    base: float = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2.0 ** min(16, max(0, attempts - 1)))
    return base * random.uniform(0.8, 1.2)


class Deferred(Transient):
    """Not sent at all (a limiter kept it waiting): back to `pending`, no attempt spent."""

    def __init__(self, message: str, *, until: datetime | None = None) -> None:
        super().__init__(message)
        self.until = until


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    claimed_by: str  # the claim token the answer belongs to
    attempts: int  # the row's attempts once this answer is written
    platform: str
    post: PublishedPost | None = None
    error: PlatformError | None = None
    at: datetime | None = None  # when the platform's answer arrived
    retry_until: datetime | None = None  # a retryable error after this is final


def describe(exc: PlatformError) -> str:
    """The reason stored on the row: what kind of failure, then the platform's words."""
    kinds: tuple[tuple[type[PlatformError], str], ...] = (
        # read by the owner and by the supporter themselves: no third person, no jargon
        (Deferred, "not sent yet: held back to stay within the platform's limits"),
        (AuthExpired, "the account's connection was revoked or has expired"),
        (RateLimited, "the platform limited how fast posts may be sent"),
        (Transient, "the platform could not be reached"),  # Unreached too
        (OutcomeUnknown, "the platform gave no answer; the post may or may not exist"),
    )
    kind = next((words for cls, words in kinds if isinstance(exc, cls)), "refused by the platform")
    return f"{kind}: {exc.message}"[:2000]


def _retryable(exc: PlatformError) -> bool:
    return isinstance(exc, Transient | RateLimited | OutcomeUnknown)


def _decide(o: Outcome, now: datetime) -> tuple[str, datetime | None, int]:
    """(status, not_before, attempts) for an error outcome."""
    exc = o.error
    assert exc is not None
    if isinstance(exc, Deferred):
        return DeliveryStatus.PENDING, max(now, exc.until or now), max(0, o.attempts - 1)
    if isinstance(exc, RateLimited) and exc.retry_at is not None:
        return DeliveryStatus.PENDING, max(now, exc.retry_at), max(0, o.attempts - 1)
    if _retryable(exc) and o.retry_until is not None and now < o.retry_until:
        retry_at = now + timedelta(seconds=backoff_s(o.attempts))
        return DeliveryStatus.PENDING, retry_at, o.attempts
    if isinstance(exc, OutcomeUnknown):
        return DeliveryStatus.UNCONFIRMED, None, o.attempts
    return DeliveryStatus.FAILED, None, o.attempts


def record(session: Session, outcomes: list[Outcome], *, now: datetime) -> None:
    """Write a batch of answers; a failure only lands on a row its claim token still holds."""
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
        status, not_before, attempts = _decide(o, now)
        final = status != DeliveryStatus.PENDING
        failed.append(
            {
                "b_id": o.delivery_id,
                "b_by": o.claimed_by,
                "b_status": status,
                "b_error": describe(o.error),
                "b_retryable": o.error.retryable,
                "b_finished": now if final else None,
                "b_not_before": not_before,
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
