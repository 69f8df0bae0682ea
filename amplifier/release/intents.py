"""Intent mode (platforms/posting.py): supporters post themselves, from a link mailed at T.

Why: where a platform forbids one app posting the same text from many accounts, or an owner
does not want to pay per automated post, nothing is posted by API. A supporter consents to the
text as usual but gives an email address instead of signing in; no token is ever held.

- `pledge_by_email`: the pledge (one per address and platform; `account_id` is a digest of the
  address, never the address), counted towards the goal like any other.
- `queue_mails`: when the release is prepared, one mail per such pledge is queued for T
  (`not_before`), with a link through amplifier (`/p/{id}/{signature}/intent`) that records the
  click and forwards to the platform's intent address with the supporter's text.
- `click`: the redirect's bookkeeping. A click is not a post: the platform tells us nothing
  after it, so the report says "clicked", never "posted".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, select, update

from amplifier.campaigns import modes as campaign_modes
from amplifier.campaigns.posting_tables import IntentLink
from amplifier.crypto import hash_secret
from amplifier.errors import Conflict
from amplifier.models import Campaign, CampaignStatus, Pledge, PledgeStatus
from amplifier.notify.outbox import enqueue
from amplifier.platforms.posting import PostingMode
from amplifier.platforms.registry import PLATFORMS, label
from amplifier.pledges.pledging import PledgeRefused, ensure_open

ACCOUNT_PREFIX = "mail:"  # Pledge.account_id of an intent pledge: a digest of the address


def is_intent(campaign: Campaign, platform: str) -> bool:
    return campaign_modes.mode_of(campaign, platform) is PostingMode.INTENT


def pledge_by_email(
    session: Session,
    *,
    campaign: Campaign,
    platform: str,
    email: str,
    text: str,
    version: int,
    personalised: bool,
    now: datetime,
) -> Pledge:
    """Record an intent pledge; PledgeRefused when the address already pledged on `platform`."""
    ensure_open(campaign, now)
    if platform not in campaign.platform_list or not is_intent(campaign, platform):
        raise PledgeRefused("Platform not offered", "This campaign takes no such pledge.")
    account = ACCOUNT_PREFIX + hash_secret(f"{platform}:{email}")[:40]
    pledge = session.exec(
        select(Pledge).where(
            Pledge.campaign_id == campaign.id,
            Pledge.platform == platform,
            Pledge.instance_url == "",
            Pledge.account_id == account,
        )
    ).first()
    if pledge is not None and pledge.status == PledgeStatus.ACTIVE:
        raise PledgeRefused(
            "You have already pledged",
            f"This address already supports this campaign on {label(platform)}: one post each.",
            kind=Conflict,
        )
    assert campaign.id is not None
    if pledge is None:
        pledge = Pledge(
            campaign_id=campaign.id,
            platform=platform,
            account_id=account,
            handle="",
            post_text=text,
        )
    pledge.status = PledgeStatus.ACTIVE
    pledge.handle = f"{label(platform)} supporter (by email)"
    pledge.post_text = text
    pledge.consented_version = version
    pledge.consented_at = now
    pledge.personalised = personalised
    pledge.withdrawn_at = None
    pledge.created_at = now
    pledge.email = email
    pledge.email_receipts = True  # the link at T is the pledge itself, not an extra
    session.add(pledge)
    session.flush()
    return pledge


def intent_platforms(campaign: Campaign) -> list[str]:
    return campaign_modes.platforms_in(campaign, PostingMode.INTENT)


def queue_mails(session: Session, *, campaign_id: int) -> int:
    """At preparation: one link per active intent pledge, mailed at T. Safe to run twice."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not intent_platforms(campaign):
        return 0
    pledges = session.exec(
        select(Pledge).where(
            Pledge.campaign_id == campaign_id,
            Pledge.status == PledgeStatus.ACTIVE,
            col(Pledge.platform).in_(intent_platforms(campaign)),
            col(Pledge.consented_version) == campaign.message_version,
        )
    ).all()
    linked = set(
        session.exec(select(IntentLink.pledge_id).where(IntentLink.campaign_id == campaign_id))
    )
    queued = 0
    for pledge in pledges:
        assert pledge.id is not None
        if pledge.id in linked:
            continue
        mailed = bool(pledge.email) and enqueue(
            session,
            kind="intent_at_release",
            recipient=pledge.email or "",
            dedup_key=f"intent:{pledge.id}",
            campaign_id=campaign_id,
            pledge_id=pledge.id,
            not_before=campaign.release_at,
            context={
                "campaign_name": campaign.title,
                "platform_label": label(pledge.platform),
                "post_text": pledge.post_text,
            },
        )
        # without an address (an automated pledge moved here by the budget) only the manage
        # page's button reaches the supporter: counted as a link, not as one sent
        session.add(
            IntentLink(
                pledge_id=pledge.id,
                campaign_id=campaign_id,
                mailed_at=campaign.release_at if mailed else None,
            )
        )
        queued += mailed
    session.flush()
    return queued


def link_for(pledge: Pledge, campaign: Campaign) -> str | None:
    """The platform's intent address with exactly the pledged text."""
    return PLATFORMS[pledge.platform].intent_link(pledge.post_text, campaign.link)


def available(campaign: Campaign, pledge: Pledge, now: datetime) -> bool:
    """The button shows from T on, for an active intent pledge of a campaign that was armed."""
    return (
        is_intent(campaign, pledge.platform)
        and pledge.status == PledgeStatus.ACTIVE
        and campaign.status in (CampaignStatus.RELEASING, CampaignStatus.RELEASED)
        and now >= campaign.release_at
    )


def click(session: Session, pledge: Pledge, campaign: Campaign, now: datetime) -> str | None:
    """Count one click and give the address to forward to; None before T or for no intent."""
    if not available(campaign, pledge, now):
        return None
    assert pledge.id is not None and campaign.id is not None
    stmt = (
        update(IntentLink)
        .where(col(IntentLink.pledge_id) == pledge.id)
        .values(
            clicks=IntentLink.clicks + 1,
            first_clicked_at=sa.func.coalesce(col(IntentLink.first_clicked_at), now),
        )
    )
    if session.execute(stmt).rowcount == 0:  # type: ignore[attr-defined]
        session.add(
            IntentLink(pledge_id=pledge.id, campaign_id=campaign.id, clicks=1, first_clicked_at=now)
        )
    session.flush()
    return link_for(pledge, campaign)


@dataclass(frozen=True)
class IntentCounts:
    pledged: int
    sent: int
    clicked: int

    def sentence(self) -> str:
        return (
            f"{self.pledged} pledged by email, {self.sent} one-tap links sent, {self.clicked} "
            "clicked. A click opens the platform with the text ready; whether the supporter then "
            "posted it, the platform does not tell us, so no click is counted as a post."
        )


def counts(session: Session, campaign_id: int) -> IntentCounts:
    campaign = session.get(Campaign, campaign_id)
    platforms = intent_platforms(campaign) if campaign is not None else []
    pledged = session.exec(
        select(func.count(col(Pledge.id))).where(
            Pledge.campaign_id == campaign_id,
            Pledge.status == PledgeStatus.ACTIVE,
            col(Pledge.platform).in_(platforms),
        )
    ).one()
    sent, clicked = session.exec(
        select(
            func.count(col(IntentLink.mailed_at)),
            func.count(col(IntentLink.first_clicked_at)),
        ).where(IntentLink.campaign_id == campaign_id)
    ).one()
    return IntentCounts(int(pledged), int(sent), int(clicked))
