"""What every supporter page shares: refusals that link back, the campaign look-up, the wording
kept after a change, safe links; the signed manage link and the browser cookie come from
`supporter_links` and are re-exported here.

A refusal raised where the campaign is known becomes one that links back to its page, so a
supporter is never left at a dead end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session, select

from amplifier.campaigns.consent import is_shown_text
from amplifier.campaigns.moderation import is_public
from amplifier.campaigns.personalise import normalise
from amplifier.errors import NotFound
from amplifier.links import web_link
from amplifier.models import Campaign, CampaignStatus
from amplifier.pledges.pledging import PledgeRefused
from amplifier.web.consent_forms import shown_version
from amplifier.web.supporter_links import (
    BROWSER_COOKIE,
    RefusedWithBackLink,
    campaign_path,
    manage_path,
    pledge_campaign,
    set_browser_cookie,
    signed_pledge,
)

__all__ = [
    "BROWSER_COOKIE",
    "TOO_LATE",
    "RefusedWithBackLink",
    "back_to",
    "campaign_or_404",
    "campaign_path",
    "manage_path",
    "own_wording",
    "pledge_campaign",
    "safe_link",
    "set_browser_cookie",
    "signed_pledge",
]

# how a campaign that no longer takes withdrawals is described to its supporter
TOO_LATE: dict[str, str] = {
    CampaignStatus.RELEASING: "being released right now",
    CampaignStatus.RELEASED: "already released",
    CampaignStatus.FAILED: "over: it did not reach its goal, so nothing is posted",
    CampaignStatus.CANCELLED: "cancelled, so nothing is posted",
}


@contextmanager
def back_to(slug: str | None) -> Iterator[None]:
    """Turn a refusal raised inside into one that links back to the campaign page."""
    try:
        yield
    except RefusedWithBackLink:
        raise
    except PledgeRefused as exc:
        if slug is None:
            raise
        raise RefusedWithBackLink(
            exc.title, exc.message, kind=exc.kind, back_url=campaign_path(slug)
        ) from exc


def campaign_or_404(session: Session, slug: str) -> Campaign:
    campaign = session.exec(select(Campaign).where(Campaign.slug == slug)).first()
    if campaign is None or not is_public(campaign):  # not yet approved: as if unknown
        raise PledgeRefused(
            "No such campaign",
            "Check the link you were given: no campaign has that address.",
            kind=NotFound,
        )
    return campaign


def own_wording(
    campaign: Campaign, personal_text: str | None, version: str, digest: str
) -> str | None:
    """What to put back in the box after the message changed under the supporter: their own
    wording if they wrote one (retyping it would be a loss), else None, so the box shows the new
    message. A box left as the form showed it matches the form's digest of the old message."""
    if not campaign.personalisation_allowed or personal_text is None:
        return None
    text = normalise(personal_text)
    if not text or text == campaign.post_text():
        return None
    if is_shown_text(shown_version(version), digest, personal_text):
        return None
    return personal_text


def safe_link(url: str | None) -> str | None:
    """A platform's post URL, linked only if it is an http(s) address (amplifier.links)."""
    return web_link(url)
