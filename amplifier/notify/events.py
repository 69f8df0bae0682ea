"""The domain's one-line hooks: each event queues every mail it causes, in its transaction.

    reviewed(session, campaign_id, "approved" | "rejected" | "suspended", now)   moderation.py
    judged(session, campaign_id, verdict, supporters, approved)                  lifecycle.py
    cancelled(session, campaign_id)                                             lifecycle.py
    prepared(session, campaign_id)                                              release/prepare.py
    released(session, campaign_id)                                              finish_release
    confirmed(session, pledge, campaign)                                        pledge confirmed
    message_changed(session, campaign)                                          consent.py

None of them commits, sends or fails the event: they only write outbox rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from amplifier.models import Campaign, Pledge
from amplifier.notify import owner_notices, receipts


def reviewed(session: Session, campaign_id: int, decision: str, now: datetime) -> None:
    owner_notices.campaign_reviewed(session, campaign_id, decision, now)


def judged(
    session: Session, campaign_id: int, verdict: str, supporters: int, approved: bool
) -> None:
    owner_notices.campaign_judged(
        session, campaign_id, verdict, supporters=supporters, approved=approved
    )
    campaign = session.get(Campaign, campaign_id)
    if verdict != "armed" and campaign is not None:
        receipts.not_posted(session, campaign, "the campaign did not reach its goal")
        receipts.forget_addresses(session, campaign_id)


def cancelled(session: Session, campaign_id: int) -> None:
    campaign = session.get(Campaign, campaign_id)
    if campaign is not None:
        receipts.not_posted(session, campaign, "the campaign was cancelled by its owner")
        receipts.forget_addresses(session, campaign_id)


def prepared(session: Session, campaign_id: int) -> None:
    owner_notices.preparation_dropped(session, campaign_id)


def released(session: Session, campaign_id: int) -> None:
    owner_notices.release_done(session, campaign_id)
    campaign = session.get(Campaign, campaign_id)
    if campaign is not None:
        receipts.outcomes(session, campaign)
        receipts.forget_addresses(session, campaign_id)


def confirmed(session: Session, pledge: Pledge, campaign: Campaign) -> None:
    receipts.pledge_confirmed(session, pledge, campaign)


def message_changed(session: Session, campaign: Campaign) -> None:
    receipts.message_changed(session, campaign)
