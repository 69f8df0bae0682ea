"""A campaign's life: created open, judged at its deadline (armed or failed), or cancelled.

The rules an owner can break are checked here, once, for the API and the CLI alike, and each
message names the field and what to change.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator
from sqlalchemy import func
from sqlmodel import Session, col, select, update

from amplifier import campaign_modes, posting_notes
from amplifier.fields import http_link, one_line, several_lines
from amplifier.limits import LimitKey, capacity_warnings, policy_for
from amplifier.models import Campaign, CampaignStatus, MessageVersion, Pledge, PledgeStatus
from amplifier.moderation import is_suspended, may_arm, review_status_at_creation
from amplifier.notify import events as notify_events
from amplifier.personalise import (
    MAX_FRAGMENTS,
    MAX_PERSONAL_LENGTH,
    decode_required,
    encode_required,
    fragment_problems,
)
from amplifier.platforms.registry import PLATFORMS
from amplifier.timeutil import as_utc, utcnow
from config.settings import Settings

KNOWN_PLATFORMS = tuple(PLATFORMS)  # platforms/registry.py; text rules at default limits:
TEXT_RULES = {name: declaration.text_problems for name, declaration in PLATFORMS.items()}


def _aware(value: datetime) -> datetime:
    return as_utc(value)


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


class CampaignCreate(BaseModel):
    """What an owner sends to schedule a blast."""

    title: str = Field(min_length=1, max_length=200)
    story: str = Field(min_length=1, max_length=10_000)
    message_text: str = Field(min_length=1, max_length=5_000)
    link: str | None = Field(default=None, max_length=2_000)
    goal: int = Field(ge=1, le=10_000_000, description="minimum number of supporters")
    pledge_deadline: AwareDatetime
    release_at: AwareDatetime
    platforms: list[str] = Field(min_length=1)
    personalisation_allowed: bool = Field(
        default=False, description="supporters may rewrite the text, keeping personal_required"
    )
    personal_required: list[str] = Field(
        default_factory=list,
        max_length=MAX_FRAGMENTS,
        description="fragments every personal text must keep verbatim (each at most 200 "
        "characters, each found in message_text or link); the link is always required",
    )
    personal_max_length: int | None = Field(
        default=None,
        ge=1,
        le=MAX_PERSONAL_LENGTH,
        description="the longest personal text, in characters; at least the message's own length",
    )
    platform_modes: dict[str, str] = Field(
        default_factory=dict,
        description="how supporters take part on each platform: automatic (posted at T; where "
        "the platform forbids similar posts, each text must differ), intent (a one-tap link "
        "mailed at T, nothing posted by API) or off; a platform left out gets its default",
    )

    @field_validator("personal_required")
    @classmethod
    def _stripped_fragments(cls, value: list[str]) -> list[str]:
        return [fragment.strip() for fragment in value]

    @field_validator("title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return one_line(value)

    @field_validator("story", "message_text")
    @classmethod
    def _several_lines(cls, value: str) -> str:
        return several_lines(value)

    @field_validator("link")
    @classmethod
    def _http_link(cls, value: str | None) -> str | None:
        return http_link(value)

    @field_validator("platforms")
    @classmethod
    def _known_platforms(cls, value: list[str]) -> list[str]:
        cleaned = []
        for name in value:
            name = name.strip().lower()
            if name not in KNOWN_PLATFORMS:
                raise ValueError(
                    f"unknown platform {name!r}: choose from {', '.join(KNOWN_PLATFORMS)}"
                )
            if name not in cleaned:
                cleaned.append(name)
        return cleaned

    @model_validator(mode="after")
    def _times_and_text(self) -> CampaignCreate:
        now = utcnow()
        if self.pledge_deadline <= now:
            raise ValueError("pledge_deadline must be in the future")
        if self.release_at <= now:
            raise ValueError("release_at must be in the future")
        if self.release_at <= self.pledge_deadline:
            raise ValueError("release_at must be after pledge_deadline")
        text = f"{self.message_text} {self.link}" if self.link else self.message_text
        problems = [f"{p}: {msg}" for p in self.platforms for msg in TEXT_RULES[p](text)]
        if problems:
            raise ValueError("message_text does not fit: " + "; ".join(problems))
        problems = personalisation_problems(text, self.personal_required, self.personal_max_length)
        if problems:
            raise ValueError("personalisation: " + "; ".join(problems))
        problems = campaign_modes.problems(self.platforms, self.platform_modes)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def personalisation_problems(
    post_text: str, required: list[str], max_length: int | None
) -> list[str]:
    """The owner's personalisation rules must leave the default message itself acceptable."""
    problems = fragment_problems(required, post_text)
    if max_length is not None and len(post_text) > max_length:
        problems.append(
            f"personal_max_length is {max_length} but the message with its link already has "
            f"{len(post_text)} characters: raise it"
        )
    return problems


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


class CampaignRuleError(ValueError):
    """A request that is well-formed but not allowed now (e.g. cancelling a released campaign)."""


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
        raise CampaignRuleError(
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


RELEASE_WINDOW_S = 60.0  # what "at the same instant" may stretch to before the owner is warned


def capacity_problems(
    session: Session, campaign: Campaign, settings: Settings | None = None
) -> list[str]:
    """The owner hears at creation and on every status read, not at T, what cannot leave on time."""
    assert campaign.id is not None
    rows = session.exec(
        select(Pledge.platform, Pledge.instance_url, func.count(col(Pledge.id)))
        .where(Pledge.campaign_id == campaign.id, Pledge.status == PledgeStatus.ACTIVE)
        .group_by(col(Pledge.platform), col(Pledge.instance_url))
    ).all()
    counts: dict[str | LimitKey, int] = {}
    for platform, instance_url, n in rows:
        counts[LimitKey(platform, instance_url or "app")] = int(n)
    prefix = ""
    if not counts:  # nobody yet: judge the goal, as if every supporter used each platform
        counts = {p: campaign.goal for p in campaign.platform_list}
        prefix = "If all the supporters in the goal pledge there: "
    return [
        prefix + warning
        for warning in capacity_warnings(
            counts,
            release_window_s=RELEASE_WINDOW_S,
            policies=lambda key: policy_for(key, settings),
        )
    ]


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
    from amplifier.pledges import forget_tokens

    if campaign.status not in (CampaignStatus.OPEN, CampaignStatus.ARMED):
        raise CampaignRuleError(f"a campaign that is {campaign.status} cannot be cancelled")
    campaign.status = CampaignStatus.CANCELLED
    campaign.cancelled_at = now or utcnow()
    session.add(campaign)
    assert campaign.id is not None
    forget_tokens(session, campaign_id=campaign.id)
    notify_events.cancelled(session, campaign.id)


def judge_due_campaigns(session: Session, *, now: datetime) -> list[tuple[int, str]]:
    """All-or-nothing at the deadline: armed if the goal is met, else failed and forgotten."""
    from amplifier.pledges import forget_tokens

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
    from amplifier.pledges import forget_tokens

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
