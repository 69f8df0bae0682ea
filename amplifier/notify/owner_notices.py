"""What an owner is told about their campaign, queued in the event's own transaction.

Each function is one line in the domain function that makes the event (campaigns/moderation.py,
campaigns/lifecycle.py, release/prepare.py), takes the caller's session and never commits.
Notices go only to a verified address (`Owner.email_verified_at`): an address typed at sign-up
is not mailed until its owner proved they read it. Token-only owners have no address and get
no mail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from amplifier.models import Campaign, Delivery, DeliveryStatus, Owner
from amplifier.notify.outbox import enqueue


def owner_address(session: Session, owner_id: int) -> str | None:
    owner = session.get(Owner, owner_id)
    if owner is None or not owner.email or owner.email_verified_at is None:
        return None
    return owner.email


def _notify_owner(
    session: Session, campaign: Campaign, kind: str, dedup: str, **context: object
) -> bool:
    address = owner_address(session, campaign.owner_id)
    if address is None:
        return False
    return enqueue(
        session,
        kind=kind,
        recipient=address,
        dedup_key=dedup,
        campaign_id=campaign.id,
        owner_id=campaign.owner_id,
        context={"campaign_name": campaign.title, "slug": campaign.slug, **context},
    )


def campaign_reviewed(session: Session, campaign_id: int, decision: str, now: datetime) -> None:
    """`decision` is approved, rejected or suspended; the reason comes from the row."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return
    reason = campaign.review_reason if decision == "rejected" else campaign.suspension_reason
    _notify_owner(
        session,
        campaign,
        f"campaign_{decision}",
        f"{decision}:{campaign_id}:{now.isoformat()}",
        reason=reason or "",
        deadline=campaign.pledge_deadline.isoformat(timespec="minutes"),
    )


def campaign_judged(
    session: Session, campaign_id: int, verdict: str, *, supporters: int, approved: bool
) -> None:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return
    if verdict == "armed":
        why = ""
    elif not approved:
        why = "it was never approved by a moderator, so it could not take pledges"
    else:
        why = f"it had {supporters} of the {campaign.goal} supporters it needed"
    _notify_owner(
        session,
        campaign,
        "campaign_judged",
        f"judged:{campaign_id}",
        met=verdict == "armed",
        why=why,
        supporters=supporters,
        goal=campaign.goal,
        release_at=campaign.release_at.isoformat(timespec="seconds"),
    )


def preparation_dropped(session: Session, campaign_id: int) -> None:
    """After preparation: how many pledges will not be posted, grouped by reason."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return
    reasons = [
        (str(error or "unknown"), int(n))
        for error, n in session.exec(
            select(Delivery.error, func.count(col(Delivery.id)))
            .where(
                Delivery.campaign_id == campaign_id,
                Delivery.status == DeliveryStatus.FAILED,
            )
            .group_by(col(Delivery.error))
            .order_by(func.count(col(Delivery.id)).desc())
        )
    ]
    dropped = sum(n for _, n in reasons)
    if not dropped:
        return
    _notify_owner(
        session,
        campaign,
        "preparation_dropped",
        f"prepared:{campaign_id}",
        dropped=dropped,
        reasons=reasons[:10],
    )


def release_done(session: Session, campaign_id: int) -> None:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return
    counts = dict(
        session.exec(
            select(Delivery.status, func.count(col(Delivery.id)))
            .where(Delivery.campaign_id == campaign_id)
            .group_by(col(Delivery.status))
        ).all()
    )
    _notify_owner(
        session,
        campaign,
        "release_done",
        f"released:{campaign_id}",
        posted=int(counts.get(DeliveryStatus.POSTED, 0)),
        failed=int(counts.get(DeliveryStatus.FAILED, 0)),
        unconfirmed=int(counts.get(DeliveryStatus.UNCONFIRMED, 0)),
    )


def preflight_at_risk(session: Session, campaign_id: int, *, at_risk: int, stage: str) -> None:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not at_risk:
        return
    _notify_owner(
        session,
        campaign,
        "preflight_at_risk",
        f"preflight:{campaign_id}:{stage}",
        at_risk=at_risk,
        stage=stage,
        release_at=campaign.release_at.isoformat(timespec="seconds"),
    )
