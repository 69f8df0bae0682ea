"""What the consent and re-consent forms carry, shared by the pages that show and answer them.

A form names the exact message it showed (version and digest, see consent.py), so an answer to a
page the organiser has since edited is recognised and refused rather than applied to new text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from amplifier.campaigns.consent import message_digest
from amplifier.campaigns.personalise import MAX_PERSONAL_LENGTH, TextRules, required_fragments
from amplifier.errors import Unavailable
from amplifier.models import Campaign
from amplifier.platforms.declaration import ConnectAsks
from amplifier.platforms.registry import PLATFORMS
from amplifier.pledges.connectors import PlatformUnavailable
from amplifier.pledges.pledging import PledgeRefused
from amplifier.runtime import Runtime

PERSONAL_FIELD_MAX = 20_000  # longer than any allowed text: the refusal then says by how much


@dataclass(frozen=True)
class PlatformLimit:
    """The supporter's platform's length limit, as the platform counts (a URL weighs `url`)."""

    characters: int
    url: int


def consent_fields(
    campaign: Campaign,
    *,
    personal_text: str | None = None,
    platform_limit: PlatformLimit | None = None,
) -> dict[str, Any]:
    """Template context for a form consenting to `campaign`'s current message."""
    return {
        "message_version": campaign.message_version,
        "message_digest": message_digest(campaign),
        "post_text": campaign.post_text(),
        "personal": campaign.personalisation_allowed,
        "personal_text": campaign.post_text() if personal_text is None else personal_text,
        "personal_required": required_fragments(campaign),
        "personal_max_length": _owner_maximum(campaign),
        "personal_box_limit": personal_box_limit(campaign, platform_limit),
        "platform_limit": platform_limit,
    }


def _owner_maximum(campaign: Campaign) -> int | None:
    if campaign.personal_max_length is None:
        return None
    return min(campaign.personal_max_length, MAX_PERSONAL_LENGTH)


def personal_box_limit(campaign: Campaign, platform_limit: PlatformLimit | None) -> int:
    """The text box's `maxlength`: the browser stops typing (and cuts a paste) there.

    It is the owner's maximum, which the server counts the same way. Without one, the platform's
    limit, widened by what the link's own characters exceed the weight the platform gives a URL,
    so the campaign's link never makes a text that fits the platform too long for the box. A
    weight of 0 means the platform counts a link as the characters it has (`TextLimit`): then
    nothing is widened, or the box would take a text the platform refuses on submit.
    """
    owner_max = _owner_maximum(campaign)
    if owner_max is not None:
        return owner_max
    if platform_limit is None:
        return MAX_PERSONAL_LENGTH
    weighed = platform_limit.url > 0  # else the platform counts the link as typed
    extra = max(0, len(campaign.link) - platform_limit.url) if campaign.link and weighed else 0
    return min(platform_limit.characters + extra, MAX_PERSONAL_LENGTH)


def platform_limit(
    rt: Runtime, session: Session, campaign: Campaign, platform: str, instance_url: str
) -> PlatformLimit | None:
    """The supporter's platform's limit (their own server's, where they name one, registered
    when they signed in), where the box needs it: personalisation on and no owner's maximum.
    None otherwise, or when the platform cannot be reached, and then the box is not narrowed."""
    if not campaign.personalisation_allowed or campaign.personal_max_length is not None:
        return None
    try:
        limit = rt.connectors.for_platform(session, platform, instance_url).text_limit()
    except (PlatformUnavailable, ValueError):
        return None
    return PlatformLimit(limit.characters, limit.url)


@dataclass(frozen=True)
class ConnectField:
    """What the pledge form asks before OAuth (a server's address), and its prefilled value."""

    prompt: str
    suggested: str


def connect_field(rt: Runtime, platform: str) -> ConnectField | None:
    """The pledge form's field for `platform`, or None when its connect step asks nothing."""
    found = PLATFORMS.get(platform)
    if found is None or found.connect.asks is ConnectAsks.NOTHING:
        return None
    return ConnectField(found.connect.prompt, rt.connectors.suggested_host(platform))


def shown_version(raw: str) -> int:
    """The version a form says it showed; anything unreadable matches no version."""
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else -1


def text_rules(rt: Runtime, session: Session, platform: str, instance_url: str) -> TextRules:
    """The supporter's own platform's rules (their Mastodon server's limit), asked only if used."""

    def rules(text: str) -> list[str]:
        try:
            adapter = rt.connectors.for_platform(session, platform, instance_url)
        except (PlatformUnavailable, ValueError) as exc:
            raise PledgeRefused(
                "This platform cannot be reached",
                f"{exc} Nothing was recorded; try again in a moment.",
                kind=Unavailable,
            ) from exc
        return adapter.text_problems(text)

    return rules
