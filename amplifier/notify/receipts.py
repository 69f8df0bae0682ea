"""What a supporter who gave an address and opted in to receipts is told about their pledge.

Queued in the event's transaction like the owners' notices. The address is used for nothing
else, and is deleted (`forget_addresses`) when the campaign is over — failed, cancelled or
released — after the last receipt was queued; the outbox row keeps its copy until it is sent
and purged (`AMPLIFIER_MAIL_KEEP_DAYS`).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select, update

from amplifier.models import Campaign, Delivery, DeliveryStatus, Pledge, PledgeStatus
from amplifier.notify.outbox import enqueue


def _receipt(
    session: Session, pledge: Pledge, campaign: Campaign, kind: str, dedup: str, **context: object
) -> bool:
    if not pledge.email or not pledge.email_receipts:
        return False
    return enqueue(
        session,
        kind=kind,
        recipient=pledge.email,
        dedup_key=dedup,
        campaign_id=campaign.id,
        pledge_id=pledge.id,
        context={
            "campaign_name": campaign.title,
            "slug": campaign.slug,
            "handle": pledge.handle,
            "platform": pledge.platform,
            "release_at": campaign.release_at.isoformat(timespec="seconds"),
            **context,
        },
    )


def pledge_confirmed(session: Session, pledge: Pledge, campaign: Campaign) -> None:
    stamp = pledge.consented_at.isoformat() if pledge.consented_at else ""
    _receipt(
        session,
        pledge,
        campaign,
        "pledge_confirmed",
        f"confirmed:{pledge.id}:{stamp}",
        post_text=pledge.post_text,
    )


def _with_receipts(session: Session, campaign_id: int) -> list[Pledge]:
    return list(
        session.exec(
            select(Pledge).where(
                Pledge.campaign_id == campaign_id,
                Pledge.status == PledgeStatus.ACTIVE,
                col(Pledge.email).is_not(None),
                col(Pledge.email_receipts),
            )
        )
    )


def message_changed(session: Session, campaign: Campaign) -> None:
    """A new message version: everyone who consented to an older one is asked again."""
    assert campaign.id is not None
    for pledge in _with_receipts(session, campaign.id):
        if pledge.consented_version != campaign.message_version:
            _receipt(
                session,
                pledge,
                campaign,
                "message_changed",
                f"changed:{pledge.id}:{campaign.message_version}",
                post_text=campaign.post_text(),
            )


def reconnect_needed(session: Session, pledge: Pledge, campaign: Campaign, stage: str) -> bool:
    return _receipt(
        session,
        pledge,
        campaign,
        "reconnect_needed",
        f"reconnect:{pledge.id}:{stage}",
        problem=pledge.connection_problem or "the platform refused it",
    )


def outcomes(session: Session, campaign: Campaign) -> None:
    """After the release: each post's link, or why it could not go out."""
    assert campaign.id is not None
    rows = session.exec(
        select(Pledge, Delivery)
        .join(Delivery, col(Delivery.pledge_id) == col(Pledge.id), isouter=True)
        .where(
            Pledge.campaign_id == campaign.id,
            Pledge.status == PledgeStatus.ACTIVE,
            col(Pledge.email).is_not(None),
            col(Pledge.email_receipts),
        )
    ).all()
    for pledge, delivery in rows:
        posted = delivery is not None and delivery.status == DeliveryStatus.POSTED
        why = ""
        if not posted:
            why = (delivery.error if delivery is not None else None) or (
                "the platform did not confirm it"
            )
        _receipt(
            session,
            pledge,
            campaign,
            "post_outcome",
            f"outcome:{pledge.id}",
            posted=posted,
            post_url=(delivery.remote_url if delivery is not None else None) or "",
            why=why,
        )


def not_posted(session: Session, campaign: Campaign, why: str) -> None:
    """The campaign failed or was cancelled: nobody's post goes out."""
    assert campaign.id is not None
    for pledge in _with_receipts(session, campaign.id):
        _receipt(
            session,
            pledge,
            campaign,
            "post_outcome",
            f"outcome:{pledge.id}",
            posted=False,
            post_url="",
            why=why,
        )


def forget_addresses(session: Session, campaign_id: int) -> None:
    """The campaign is over: every supporter address of it is deleted. The opt-ins stay, so an
    unsubscribe before the last receipts leave is still honoured (dispatch.py reads them)."""
    session.execute(
        update(Pledge)
        .where(col(Pledge.campaign_id) == campaign_id, col(Pledge.email).is_not(None))
        .values(email=None)
    )


def forget_address(session: Session, pledge_id: int) -> None:
    """The supporter deleted their data (or withdrew): the address goes at once."""
    from amplifier.notify.outbox import forget_pledge_addresses

    session.execute(
        update(Pledge)
        .where(col(Pledge.id) == pledge_id)
        .values(email=None, email_receipts=False, email_updates=False)
    )
    forget_pledge_addresses(session, pledge_ids=[pledge_id])


def set_contact(
    session: Session,
    pledge: Pledge,
    *,
    email: str | None,
    receipts: bool,
    updates: bool,
    now: datetime,
) -> None:
    """The consent page's optional address and opt-ins (both off when no address is given)."""
    has = bool(email)
    pledge.email = email if has else None
    pledge.email_receipts = has and receipts
    pledge.email_updates = has and updates
    session.add(pledge)
    session.flush()
