"""The rules an owner can break when scheduling a blast, checked once for the API, web and CLI.

Each message names the field and what to change. `capacity_problems` is the owner's early warning
that the platforms' limits would stretch the release; it is a warning, not a refusal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator
from sqlalchemy import func
from sqlmodel import Session, col, select

from amplifier.campaigns import modes as campaign_modes
from amplifier.campaigns.fields import http_link, one_line, several_lines
from amplifier.campaigns.personalise import MAX_FRAGMENTS, MAX_PERSONAL_LENGTH, fragment_problems
from amplifier.errors import AmplifierError, Conflict, InvalidInput
from amplifier.media.presence import has_image
from amplifier.models import Campaign, Pledge, PledgeStatus
from amplifier.platforms.connection_lifetime import lifetime_warnings
from amplifier.platforms.registry import PLATFORMS
from amplifier.release.limits import LimitKey, capacity_warnings, policy_for
from amplifier.release.limits.uploads import upload_warnings
from amplifier.timeutil import as_utc, utcnow
from config.settings import Settings, get_settings

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
        misfit = message_misfit(text, self.platforms)
        if misfit:
            raise ValueError(misfit)
        problems = personalisation_problems(text, self.personal_required, self.personal_max_length)
        if problems:
            raise ValueError("personalisation: " + "; ".join(problems))
        problems = campaign_modes.problems(self.platforms, self.platform_modes)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def message_misfit(text: str, platforms: list[str]) -> str | None:
    """ "message_text does not fit: …" with one sentence per platform the text is too long for,
    each opening with the platform's label (never its id); None when it fits everywhere.

    Judged at each platform's default limits, so a server the supporter names is spoken of as
    "the default server's limit". The form also calls this when other fields were refused, so
    the owner hears every mistake in one pass."""
    sentences = [
        _fit_sentence(PLATFORMS[name].label, msg)
        for name in platforms
        if name in TEXT_RULES
        for msg in TEXT_RULES[name](text)
    ]
    return "message_text does not fit: " + " ".join(sentences) if sentences else None


def _fit_sentence(label: str, msg: str) -> str:
    msg = msg.strip().rstrip(".;").strip()
    own_server = f"This {label} server"
    if msg.startswith(own_server):
        msg = f"{label} (the default server's limit)" + msg[len(own_server) :]
    elif not msg.startswith(label):
        msg = f"{label}: {msg[:1].lower()}{msg[1:]}"
    return msg + "."


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


class CampaignRuleError(AmplifierError, ValueError):
    """The campaign family's base: a request about a campaign that its rules refuse."""


class CampaignInvalid(InvalidInput, CampaignRuleError):
    """A rule broken at creation that the form's fields cannot check alone (a platform this
    server does not offer)."""


class CampaignStateConflict(Conflict, CampaignRuleError):
    """Well-formed but not allowed now (e.g. cancelling a released campaign)."""


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
    warnings = capacity_warnings(
        counts, release_window_s=RELEASE_WINDOW_S, policies=lambda key: policy_for(key, settings)
    )
    if has_image(session, campaign.id, campaign.message_version):  # uploads, before T
        lead_s = (settings or get_settings()).release_prepare_lead_s
        warnings += upload_warnings(counts, prepare_lead_s=lead_s, settings=settings)
    return [prefix + warning for warning in warnings] + lifetime_warnings(
        campaign.platform_list, now=utcnow(), release_at=campaign.release_at
    )
