"""What every supporter page shares: refusals that link back, the campaign and pledge look-ups,
and the signed manage link.

A refusal raised where the campaign is known becomes one that links back to its page, so a
supporter is never left at a dead end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session, select

from amplifier.consent import is_shown_text
from amplifier.crypto import sign, verify
from amplifier.models import Campaign, CampaignStatus, Pledge
from amplifier.moderation import is_public
from amplifier.personalise import normalise
from amplifier.pledges import PledgeRefused
from amplifier.runtime import Runtime
from amplifier.web.consent_forms import shown_version

BROWSER_COOKIE = "amp_browser"
# how a campaign that no longer takes withdrawals is described to its supporter
TOO_LATE: dict[str, str] = {
    CampaignStatus.RELEASING: "being released right now",
    CampaignStatus.RELEASED: "already released",
    CampaignStatus.FAILED: "over: it did not reach its goal, so nothing is posted",
    CampaignStatus.CANCELLED: "cancelled, so nothing is posted",
}
_MAX_PLEDGE_ID_DIGITS = 18  # below 2**63: larger numbers cannot be an id in any database


class RefusedWithBackLink(PledgeRefused):
    """A refusal shown with a link back to the campaign it concerns."""

    def __init__(self, title: str, message: str, *, status: int, back_url: str) -> None:
        super().__init__(title, message, status=status)
        self.back_url = back_url


def campaign_path(slug: str) -> str:
    return f"/c/{slug}"


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
            exc.title, exc.message, status=exc.status, back_url=campaign_path(slug)
        ) from exc


def campaign_or_404(session: Session, slug: str) -> Campaign:
    campaign = session.exec(select(Campaign).where(Campaign.slug == slug)).first()
    if campaign is None or not is_public(campaign):  # not yet approved: as if unknown
        raise PledgeRefused(
            "No such campaign",
            "Check the link you were given: no campaign has that address.",
            status=404,
        )
    return campaign


def manage_path(rt: Runtime, pledge_id: int) -> str:
    return f"/p/{pledge_id}/{sign(rt.settings.signing_secret(), f'pledge:{pledge_id}')}"


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


def signed_pledge(session: Session, rt: Runtime, raw_id: str, signature: str) -> Pledge:
    pledge = None
    if raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= _MAX_PLEDGE_ID_DIGITS:
        pledge_id = int(raw_id)
        if verify(rt.settings.signing_secret(), f"pledge:{pledge_id}", signature):
            pledge = session.get(Pledge, pledge_id)
    if pledge is None:
        raise PledgeRefused(
            "This link is not valid", "Use the exact link shown when you pledged.", status=404
        )
    return pledge


def pledge_campaign(session: Session, pledge: Pledge) -> Campaign:
    campaign = session.get(Campaign, pledge.campaign_id)
    assert campaign is not None  # a foreign key
    return campaign


def safe_link(url: str | None) -> str | None:
    """A platform's post URL, linked only if it is an http(s) address."""
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None
