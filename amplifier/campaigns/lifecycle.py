"""A campaign's life: created open, judged at its deadline (armed or failed), or cancelled.

The rules an owner can break are in rules.py; this module creates, lists, judges, cancels and
shows a campaign, refusing with `CampaignRuleError` what is well-formed but not allowed now.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import Session, col, select, update

from amplifier.campaigns import modes as campaign_modes
from amplifier.campaigns import posting_notes
from amplifier.campaigns.moderation import is_suspended, may_arm, review_status_at_creation
from amplifier.campaigns.personalise import decode_required, encode_required
from amplifier.campaigns.rules import (
    CampaignCreate,
    CampaignInvalid,
    CampaignStateConflict,
    capacity_problems,
)
from amplifier.models import Campaign, CampaignStatus, MessageVersion, Pledge, PledgeStatus
from amplifier.notify import events as notify_events
from amplifier.platforms.registry import PLATFORMS
from amplifier.timeutil import utcnow
from config.settings import Settings


class CampaignPublic(BaseModel):
    id: int
    slug: str
    title: str
    story: str
    message_text: str
    link: str | None
    post_text: str
    goal: int
    platforms: list[str]
    pledge_deadline: datetime
    release_at: datetime
    status: str
    supporters: int
    reach: int
    signup_url: str
    platform_rules: dict[str, str] = Field(
        default_factory=dict,
        description="each chosen platform's text limit and the rules a blast must respect there",
    )
    capacity_warnings: list[str] = Field(
        default_factory=list,
        description="posts the platforms' limits would not let out within a minute of the "
        "release: from the goal before anyone pledges, from the pledges after",
    )
    message_version: int = Field(
        default=1, description="the message's current version; edits after a pledge add one"
    )
    awaiting_reconsent: int = Field(
        default=0,
        description="active pledges consented to an older version: not counted towards the "
        "goal and not posted unless their supporter consents to the current text",
    )
    personalisation_allowed: bool = False
    personal_required: list[str] = Field(default_factory=list)
    personal_max_length: int | None = None
    review_status: str = Field(
        default="pending",
        description="pending (not public until an admin approves it), approved or rejected",
    )
    review_reason: str | None = Field(default=None, description="why an admin rejected it")
    suspended: bool = Field(
        default=False, description="suspended by an admin: no pledges, release held"
    )
    suspension_reason: str | None = None
    platform_modes: dict[str, str] = Field(
        default_factory=dict, description="each platform's posting mode (automatic or intent)"
    )
    posting_notes: list[str] = Field(
        default_factory=list,
        description="what happens on each platform, and each automated platform's estimated "
        "cost at the goal and at the current pledge count (posting_notes.py)",
    )


def _slug_for(title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "campaign"
    return f"{base}-{secrets.token_hex(3)}"


def create_campaign(
    session: Session,
    *,
    owner_id: int,
    data: CampaignCreate,
    enabled_platforms: Sequence[str],
    auto_approve: bool = False,
    settings: Settings | None = None,
) -> Campaign:
    """`auto_approve` is the deployment's `moderation_auto_approve`: else it waits for review.
    `settings` give each platform's default posting mode (campaign_modes.resolve)."""
    used, modes = campaign_modes.resolve(data.platforms, data.platform_modes, settings)
    disabled = [p for p in used if p not in enabled_platforms]
    if disabled:
        raise CampaignInvalid(
            f"platforms: {', '.join(disabled)} not configured on this server "
            f"(enabled: {', '.join(enabled_platforms) or 'none'})"
        )
    campaign = Campaign(
        owner_id=owner_id,
        slug=_slug_for(data.title),
        title=data.title,
        story=data.story,
        message_text=data.message_text,
        link=data.link,
        goal=data.goal,
        platforms=",".join(used),
        platform_modes=campaign_modes.encode(modes),
        pledge_deadline=data.pledge_deadline,
        release_at=data.release_at,
        personalisation_allowed=data.personalisation_allowed,
        personal_required=encode_required(data.personal_required),
        personal_max_length=data.personal_max_length,
        review_status=review_status_at_creation(auto_approve=auto_approve),
        reviewed_at=utcnow() if auto_approve else None,
    )
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    session.add(
        MessageVersion(
            campaign_id=campaign.id,
            version=campaign.message_version,
            message_text=campaign.message_text,
            link=campaign.link,
        )
    )
    session.flush()
    return campaign


def support(session: Session, campaign_id: int) -> tuple[int, int]:
    """(active supporters, their summed followers) — the progress and the reach.

    Only pledges consented to the current message version count (see consent.py): a supporter
    who has not agreed to the edited text will not post it, so cannot carry the goal.
    """
    row = session.exec(
        select(func.count(col(Pledge.id)), func.coalesce(func.sum(Pledge.followers), 0))
        .join(Campaign, col(Campaign.id) == col(Pledge.campaign_id))
        .where(
            Pledge.campaign_id == campaign_id,
            Pledge.status == PledgeStatus.ACTIVE,
            col(Pledge.consented_version) == col(Campaign.message_version),
        )
    ).one()
    return int(row[0]), int(row[1])


def awaiting_reconsent(session: Session, campaign_id: int) -> int:
    """Active pledges whose supporter has not yet consented to the current message version."""
    count = session.exec(
        select(func.count(col(Pledge.id)))
        .join(Campaign, col(Campaign.id) == col(Pledge.campaign_id))
        .where(
            Pledge.campaign_id == campaign_id,
            Pledge.status == PledgeStatus.ACTIVE,
            col(Pledge.consented_version) != col(Campaign.message_version),
        )
    ).one()
    return int(count)


def to_public(
    session: Session, campaign: Campaign, *, public_url: str, settings: Settings | None = None
) -> CampaignPublic:
    assert campaign.id is not None
    supporters, reach = support(session, campaign.id)
    return CampaignPublic(
        id=campaign.id,
        slug=campaign.slug,
        title=campaign.title,
        story=campaign.story,
        message_text=campaign.message_text,
        link=campaign.link,
        post_text=campaign.post_text(),
        goal=campaign.goal,
        platforms=campaign.platform_list,
        pledge_deadline=campaign.pledge_deadline,
        release_at=campaign.release_at,
        status=campaign.status,
        supporters=supporters,
        reach=reach,
        signup_url=f"{public_url.rstrip('/')}/c/{campaign.slug}",
        platform_rules={
            p: f"{PLATFORMS[p].max_text} {PLATFORMS[p].rules}"
            for p in campaign.platform_list
            if p in PLATFORMS
        },
        capacity_warnings=capacity_problems(session, campaign, settings),
        message_version=campaign.message_version,
        awaiting_reconsent=awaiting_reconsent(session, campaign.id),
        personalisation_allowed=campaign.personalisation_allowed,
        personal_required=decode_required(campaign.personal_required),
        personal_max_length=campaign.personal_max_length,
        review_status=campaign.review_status,
        review_reason=campaign.review_reason,
        suspended=is_suspended(campaign),
        suspension_reason=campaign.suspension_reason,
        platform_modes=campaign_modes.decode(campaign.platform_modes),
        posting_notes=posting_notes.notes(session, campaign, settings),
    )


def list_campaigns(session: Session, *, owner_id: int | None = None) -> list[Campaign]:
    query = select(Campaign).order_by(col(Campaign.id))
    if owner_id is not None:
        query = query.where(Campaign.owner_id == owner_id)
    return list(session.exec(query))


def cancel_campaign(session: Session, *, campaign: Campaign, now: datetime | None = None) -> None:
    """Only before the release starts; the supporters' tokens go at once."""
    from amplifier.pledges.pledging import forget_tokens

    if campaign.status not in (CampaignStatus.OPEN, CampaignStatus.ARMED):
        raise CampaignStateConflict(f"a campaign that is {campaign.status} cannot be cancelled")
    campaign.status = CampaignStatus.CANCELLED
    campaign.cancelled_at = now or utcnow()
    session.add(campaign)
    assert campaign.id is not None
    forget_tokens(session, campaign_id=campaign.id)
    notify_events.cancelled(session, campaign.id)


def judge_due_campaigns(session: Session, *, now: datetime) -> list[tuple[int, str]]:
    """All-or-nothing at the deadline: armed if the goal is met, else failed and forgotten."""
    from amplifier.pledges.pledging import forget_tokens

    due = session.exec(
        select(Campaign)
        .where(Campaign.status == CampaignStatus.OPEN, col(Campaign.pledge_deadline) <= now)
        .with_for_update(skip_locked=True)
    ).all()
    judged: list[tuple[int, str]] = []
    for campaign in due:
        assert campaign.id is not None
        supporters, _ = support(session, campaign.id)
        met = supporters >= campaign.goal and may_arm(campaign)  # never approved: fails
        verdict = CampaignStatus.ARMED if met else CampaignStatus.FAILED
        # Conditional: another tick or cron run may have judged (and even leased) it meanwhile;
        # SQLite ignores SKIP LOCKED, so the WHERE is what keeps a second verdict out.
        won = session.execute(
            update(Campaign)
            .where(col(Campaign.id) == campaign.id, col(Campaign.status) == CampaignStatus.OPEN)
            .values(status=verdict, judged_at=now)
        )
        if won.rowcount != 1:  # type: ignore[attr-defined]
            continue
        if verdict == CampaignStatus.FAILED:
            forget_tokens(session, campaign_id=campaign.id)
        judged.append((campaign.id, verdict))
        notify_events.judged(session, campaign.id, verdict, supporters, may_arm(campaign))
    session.expire_all()
    return judged


def finish_release(session: Session, *, campaign_id: int, now: datetime) -> bool:
    """Released once no delivery is pending or sending; the tokens are then deleted."""
    from amplifier.models import Delivery, DeliveryStatus
    from amplifier.pledges.pledging import forget_tokens

    open_rows = session.exec(
        select(func.count(col(Delivery.id))).where(
            Delivery.campaign_id == campaign_id,
            col(Delivery.status).in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
        )
    ).one()
    if open_rows:
        return False
    done = session.execute(
        update(Campaign)
        .where(col(Campaign.id) == campaign_id, col(Campaign.status) == CampaignStatus.RELEASING)
        .values(status=CampaignStatus.RELEASED, released_at=now, lease_until=None)
    )
    if done.rowcount == 1:  # type: ignore[attr-defined]
        forget_tokens(session, campaign_id=campaign_id)
        notify_events.released(session, campaign_id)
    return True
