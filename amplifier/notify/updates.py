"""Owners' updates to supporters: written any time, mailed as a digest at most once per interval.

    post_update(session, campaign, body, now=) -> CampaignUpdate     API, CLI and web
    queue_due_digests(session, now=, interval_s=) -> int             each mail tick

Only supporters who gave an address and opted in to updates receive them. A campaign's first
update leaves at the next tick; any further ones wait until `interval_s` (a day by default)
after the previous mail, then go together in one digest.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select, update

from amplifier.characters import character_problem, one_kind_of_line_break
from amplifier.errors import AmplifierError, Conflict, InvalidInput
from amplifier.models import Campaign, CampaignStatus, Pledge, PledgeStatus
from amplifier.notify.outbox import enqueue
from amplifier.notify.tables import CampaignUpdate

MAX_BODY = 5_000
OPEN_FOR_UPDATES = (CampaignStatus.OPEN, CampaignStatus.ARMED, CampaignStatus.RELEASING)


class UpdateRefused(AmplifierError, ValueError):
    """The update cannot be posted; the message says what to change."""


class UpdateInvalid(InvalidInput, UpdateRefused):
    """The update's text breaks a rule: empty, too long, refused characters."""


class UpdateTooLate(Conflict, UpdateRefused):
    """The campaign is over: its supporters' addresses are gone."""


def clean_body(body: str | None) -> str:
    text = one_kind_of_line_break(body or "").strip()
    if not text:
        raise UpdateInvalid("body: write the update (it must not be empty)")
    if len(text) > MAX_BODY:
        raise UpdateInvalid(f"body: at most {MAX_BODY} characters (this one has {len(text)})")
    problem = character_problem(text, multiline=True)  # the one rule of every text field
    if problem is not None:
        raise UpdateInvalid(f"body: {problem}")
    return text


def post_update(
    session: Session, campaign: Campaign, body: str, *, now: datetime
) -> CampaignUpdate:
    if campaign.status not in OPEN_FOR_UPDATES:
        raise UpdateTooLate(
            f"the campaign is {campaign.status}: its supporters' addresses are deleted once it "
            "is over, so updates can no longer reach them"
        )
    assert campaign.id is not None
    row = CampaignUpdate(campaign_id=campaign.id, body=clean_body(body), created_at=now)
    session.add(row)
    session.flush()
    return row


def list_updates(session: Session, campaign_id: int) -> list[CampaignUpdate]:
    return list(
        session.exec(
            select(CampaignUpdate)
            .where(CampaignUpdate.campaign_id == campaign_id)
            .order_by(col(CampaignUpdate.created_at), col(CampaignUpdate.id))
        )
    )


def queue_due_digests(session: Session, *, now: datetime, interval_s: int) -> int:
    """One digest per campaign whose last mail is older than the interval; returns mails queued."""
    waiting = session.exec(
        select(CampaignUpdate.campaign_id)
        .where(col(CampaignUpdate.mailed_at).is_(None))
        .group_by(col(CampaignUpdate.campaign_id))
    ).all()
    queued = 0
    for campaign_id in waiting:
        last = session.exec(
            select(func.max(CampaignUpdate.mailed_at)).where(
                CampaignUpdate.campaign_id == campaign_id
            )
        ).one()
        if last is not None and last > now - timedelta(seconds=interval_s):
            continue
        queued += _queue_digest(session, campaign_id, now)
    return queued


def _queue_digest(session: Session, campaign_id: int, now: datetime) -> int:
    campaign = session.get(Campaign, campaign_id)
    rows = [u for u in list_updates(session, campaign_id) if u.mailed_at is None]
    if campaign is None or not rows:
        return 0
    ids = [u.id for u in rows if u.id is not None]
    # claim the updates first: a second tick racing this one finds them mailed and stops
    won = session.execute(
        update(CampaignUpdate)
        .where(col(CampaignUpdate.id).in_(ids), col(CampaignUpdate.mailed_at).is_(None))
        .values(mailed_at=now)
    )
    if not won.rowcount:  # type: ignore[attr-defined]
        return 0
    updates = [{"date": f"{u.created_at:%Y-%m-%d %H:%M}", "body": u.body} for u in rows]
    queued = 0
    for pledge in session.exec(
        select(Pledge).where(
            Pledge.campaign_id == campaign_id,
            Pledge.status == PledgeStatus.ACTIVE,
            col(Pledge.email).is_not(None),
            col(Pledge.email_updates),
        )
    ):
        queued += enqueue(
            session,
            kind="campaign_update",
            recipient=pledge.email or "",
            dedup_key=f"updates:{campaign_id}:{ids[0]}-{ids[-1]}",
            campaign_id=campaign_id,
            pledge_id=pledge.id,
            context={"campaign_name": campaign.title, "slug": campaign.slug, "updates": updates},
        )
    return queued
