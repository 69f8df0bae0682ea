"""Releasing armed campaigns: what is due now, and the whole release run in one process.

The schedule, driven by beat's tick every second (or by `amplifier release-due` from cron):

    deadline            judge: armed if the goal is met, else failed and forgotten
    T - prepare lead    lease the campaign, make one delivery row per pledge (prepare.py);
                        preparers on any workers take pages of rows (pages.py): refresh
                        expiring tokens, drop what cannot be posted; the last one (or T)
                        queues the firers
    T                   firers post every row concurrently, exactly once (fire.py)
    lease lapses        a releasing campaign whose firers all stopped is handed out again;
                        rows they left `sending` are settled (settle.py), never resent blindly

Exactly-once rests on the database, not on the queue: leases decide who prepares, conditional
UPDATEs decide who posts a row, so two beats, a cron run beside beat, or a redelivered task find
nothing left to take.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select, update

from amplifier.campaigns import posting_notes
from amplifier.campaigns.lifecycle import finish_release, judge_due_campaigns
from amplifier.campaigns.moderation import release_not_held
from amplifier.models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from amplifier.pledges.pledging import purge_expired_attempts
from amplifier.release import intents
from amplifier.release.prepare import create_deliveries


@dataclass
class DueWork:
    judged: list[tuple[int, str]] = field(default_factory=list)
    releases: list[int] = field(default_factory=list)  # leased now: prepare, then fire


def collect_due_work(
    session: Session, *, now: datetime, lead_s: float, lease_s: float, settings: Any = None
) -> DueWork:
    """Judge what reached its deadline; lease each campaign whose release is due within the lead.

    A campaign is handed out only with a lease (`lease_until`): while its firers run they renew
    it, so beat ticks and cron runs pass it by; when they all stop, the lease lapses and the next
    tick hands the rest of the work (pending rows, stale claims) to new firers.
    """
    work = DueWork(judged=judge_due_campaigns(session, now=now))
    for judged_id, verdict in work.judged:  # over a platform's budget: intents instead
        armed = session.get(Campaign, judged_id)
        if verdict == CampaignStatus.ARMED and settings is not None and armed is not None:
            posting_notes.fall_back_over_budget(session, armed, settings)
    purge_expired_attempts(session, now=now)
    horizon = now + timedelta(seconds=lead_s)
    lease_until = now + timedelta(seconds=lease_s)
    lapsed = sa.or_(col(Campaign.lease_until).is_(None), col(Campaign.lease_until) < now)
    candidates = session.exec(
        select(Campaign.id, Campaign.status).where(
            col(Campaign.status).in_([CampaignStatus.ARMED, CampaignStatus.RELEASING]),
            col(Campaign.release_at) <= horizon,
            lapsed,
            release_not_held(),  # a suspended campaign is held until reinstated
        )
    ).all()
    for campaign_id, status in candidates:
        assert campaign_id is not None
        if status == CampaignStatus.RELEASING and not _has_open_rows(session, campaign_id):
            finish_release(session, campaign_id=campaign_id, now=now)  # its last firer died late
            continue
        taken = session.execute(
            update(Campaign)
            .where(
                col(Campaign.id) == campaign_id,
                col(Campaign.status) == status,
                lapsed,
                release_not_held(),
            )
            .values(lease_until=lease_until, status=CampaignStatus.RELEASING)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            continue
        if status == CampaignStatus.ARMED:
            create_deliveries(session, campaign_id=campaign_id, now=now)
            intents.queue_mails(session, campaign_id=campaign_id)  # mailed at T
        work.releases.append(campaign_id)
    return work


def _has_open_rows(session: Session, campaign_id: int) -> bool:
    row = session.exec(
        select(Delivery.id).where(
            Delivery.campaign_id == campaign_id,
            col(Delivery.status).in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
        )
    ).first()
    return row is not None
