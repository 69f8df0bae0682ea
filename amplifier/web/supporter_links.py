"""What the supporter pages share: the signed manage link, the browser cookie, back links.

    signed_pledge(session, rt, raw_id, signature) -> Pledge      404 page unless the HMAC holds
    manage_path(rt, pledge_id) -> "/p/{id}/{signature}"
    set_browser_cookie(response, rt, nonce)     binds an OAuth round trip to this browser

Used by the pledge pages (pages.py) and the reconnection pages (reconnect_pages.py).
"""

from __future__ import annotations

from fastapi import Response
from sqlmodel import Session

from amplifier.crypto import sign, verify
from amplifier.errors import AmplifierError, NotFound
from amplifier.models import Campaign, Pledge
from amplifier.pledges.pledging import PledgeRefused
from amplifier.runtime import Runtime

BROWSER_COOKIE = "amp_browser"
_MAX_PLEDGE_ID_DIGITS = 18  # below 2**63: larger numbers cannot be an id in any database


class RefusedWithBackLink(PledgeRefused):
    """A refusal shown with a link back to the campaign (or the pledge) it concerns."""

    def __init__(
        self,
        title: str,
        message: str,
        *,
        kind: type[AmplifierError],
        back_url: str,
        back_label: str = "Back to the campaign page",
    ) -> None:
        super().__init__(title, message, kind=kind)
        self.back_url = back_url
        self.back_label = back_label


def campaign_path(slug: str) -> str:
    return f"/c/{slug}"


def manage_path(rt: Runtime, pledge_id: int) -> str:
    return f"/p/{pledge_id}/{sign(rt.settings.signing_secret(), f'pledge:{pledge_id}')}"


def signed_pledge(session: Session, rt: Runtime, raw_id: str, signature: str) -> Pledge:
    pledge = None
    if raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= _MAX_PLEDGE_ID_DIGITS:
        pledge_id = int(raw_id)
        if verify(rt.settings.signing_secret(), f"pledge:{pledge_id}", signature):
            pledge = session.get(Pledge, pledge_id)
    if pledge is None:
        raise PledgeRefused(
            "This link is not valid", "Use the exact link shown when you pledged.", kind=NotFound
        )
    return pledge


def pledge_campaign(session: Session, pledge: Pledge) -> Campaign:
    campaign = session.get(Campaign, pledge.campaign_id)
    assert campaign is not None  # a foreign key
    return campaign


def set_browser_cookie(response: Response, rt: Runtime, nonce: str) -> None:
    """The random nonce whose digest the OAuth attempt keeps: only this browser may finish it."""
    response.set_cookie(
        BROWSER_COOKIE,
        nonce,
        max_age=rt.settings.oauth_attempt_ttl_s * 4,
        httponly=True,
        samesite="lax",
        secure=rt.settings.public_url.startswith("https://"),
    )
