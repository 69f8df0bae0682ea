"""What the consent and re-consent forms carry, shared by the pages that show and answer them.

A form names the exact message it showed (version and digest, see consent.py), so an answer to a
page the organiser has since edited is recognised and refused rather than applied to new text.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from amplifier.connectors import PlatformUnavailable
from amplifier.consent import message_digest
from amplifier.models import Campaign
from amplifier.personalise import MAX_PERSONAL_LENGTH, TextRules, required_fragments
from amplifier.pledges import PledgeRefused
from amplifier.runtime import Runtime

PERSONAL_FIELD_MAX = 20_000  # longer than any allowed text: the refusal then says by how much


def consent_fields(campaign: Campaign, *, personal_text: str | None = None) -> dict[str, Any]:
    """Template context for a form consenting to `campaign`'s current message."""
    return {
        "message_version": campaign.message_version,
        "message_digest": message_digest(campaign),
        "post_text": campaign.post_text(),
        "personal": campaign.personalisation_allowed,
        "personal_text": campaign.post_text() if personal_text is None else personal_text,
        "personal_required": required_fragments(campaign),
        "personal_max_length": min(
            campaign.personal_max_length or MAX_PERSONAL_LENGTH, MAX_PERSONAL_LENGTH
        ),
    }


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
                status=502,
            ) from exc
        return adapter.text_problems(text)

    return rules
