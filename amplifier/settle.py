"""Rows left `sending` by a firer that stopped: settle them, never resend blindly.

A row is stale when its firer has not renewed the claim for `stale_s`. Mastodon: the platform
remembers our Idempotency-Key for about an hour, so the row goes back to `pending` and the resend
returns the original status if there was one. X: we look for the post on the account; found →
`posted`, not found → `pending`, the lookup failing → `unconfirmed`, reported to the owner.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from amplifier.connectors import Connectors, PlatformUnavailable
from amplifier.crypto import TokenCipher
from amplifier.db import Database
from amplifier.models import Delivery, DeliveryStatus, Pledge
from amplifier.outcomes import Outcome, record
from amplifier.platforms.base import PlatformError
from amplifier.pledges import tokens_of

log = logging.getLogger(__name__)
IDEMPOTENCY_MEMORY = timedelta(minutes=50)  # Mastodon keeps keys ~1 h; stay well inside it


def settle_stale(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    *,
    campaign_id: int,
    now: datetime,
    stale_s: float,
) -> int:
    cutoff = now - timedelta(seconds=stale_s)
    settler = f"settler:{uuid.uuid4().hex[:12]}"
    with db.session() as session:
        stale = session.exec(
            select(Delivery.id).where(
                Delivery.campaign_id == campaign_id,
                Delivery.status == DeliveryStatus.SENDING,
                col(Delivery.claimed_at) < cutoff,
            )
        ).all()
    settled = 0
    for delivery_id in stale:
        assert delivery_id is not None
        with db.session() as session:
            taken = session.execute(
                update(Delivery)
                .where(
                    col(Delivery.id) == delivery_id,
                    col(Delivery.status) == DeliveryStatus.SENDING,
                    col(Delivery.claimed_at) < cutoff,
                )
                .values(claimed_by=settler, claimed_at=now)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                continue
            delivery = session.get(Delivery, delivery_id)
            assert delivery is not None
            pledge = session.get(Pledge, delivery.pledge_id)
            assert pledge is not None
            first_claim = delivery.claimed_at
            settled += 1
            if pledge.platform == "mastodon" and (
                delivery.sent_at is None or now - delivery.sent_at < IDEMPOTENCY_MEMORY
            ):
                _back_to_pending(session, delivery_id, "resent with the same Idempotency-Key")
                continue
            try:
                adapter = connectors.for_platform(session, pledge.platform, pledge.instance_url)
                finder = getattr(adapter, "find_recent_post", None)
                tokens = tokens_of(pledge, cipher)
                found = (
                    finder(tokens, account_id=pledge.account_id, text=pledge.post_text)
                    if finder is not None
                    else None
                )
            except (PlatformError, PlatformUnavailable, ValueError) as exc:
                _unconfirmed(session, delivery_id, f"could not check the platform: {exc}", now)
                continue
            if found is not None:
                record(
                    session,
                    [Outcome(delivery_id, settler, delivery.attempts, pledge.platform, post=found)],
                    now=now,
                )
            elif finder is None:
                _unconfirmed(session, delivery_id, "the worker stopped during the call", now)
            else:
                _back_to_pending(session, delivery_id, "not found on the account after a stop")
        log.info(
            "delivery %s settled after its firer stopped (claimed %s)", delivery_id, first_claim
        )
    return settled


def _back_to_pending(session: Session, delivery_id: int, note: str) -> None:
    session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id)
        .values(status=DeliveryStatus.PENDING, claimed_by=None, error=note, not_before=None)
    )


def _unconfirmed(session: Session, delivery_id: int, reason: str, now: datetime) -> None:
    session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id)
        .values(status=DeliveryStatus.UNCONFIRMED, error=reason[:2000], finished_at=now)
    )
