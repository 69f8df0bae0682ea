"""Intent mode's pages (intents.py): pledging with an email address, and the one-tap link.

POST /c/{slug}/intent records a pledge for a platform in intent mode from the campaign page's
form (the text shown there, its version and digest, an address); nothing is asked of the
platform. GET /p/{id}/{signature}/intent, the link of the mail at T and of the manage page's
button, counts the click and forwards to the platform's intent address; before T it says when.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from amplifier.campaigns.consent import consented_text
from amplifier.owners.logins import AccountError, normalise_email
from amplifier.platforms.registry import label
from amplifier.pledges.pledging import PledgeRefused
from amplifier.release import intents
from amplifier.timeutil import utcnow
from amplifier.web.campaign_pages import render_campaign_page
from amplifier.web.consent_forms import shown_version
from amplifier.web.deps import RuntimeDep, SessionDep
from amplifier.web.rendering import message_page, page
from amplifier.web.supporter_common import (
    back_to,
    campaign_or_404,
    manage_path,
    pledge_campaign,
    signed_pledge,
)

router = APIRouter(include_in_schema=False)


@router.post("/c/{slug}/intent", response_class=HTMLResponse)
def pledge_by_email(
    request: Request,
    slug: str,
    platform: Annotated[str, Form(max_length=20)],
    session: SessionDep,
    rt: RuntimeDep,
    email: Annotated[str, Form(max_length=1_000)] = "",
    version: Annotated[str, Form(max_length=20)] = "",
    message_digest: Annotated[str, Form(max_length=100)] = "",
) -> HTMLResponse:
    campaign = campaign_or_404(session, slug)
    now = utcnow()
    with back_to(campaign.slug):
        try:
            address = normalise_email(email)
        except AccountError as exc:
            return render_campaign_page(
                request,
                session,
                rt,
                campaign,
                422,
                intent_email=email[:254],
                intent_error=str(exc).replace("email:", "Email address:", 1),
            )
        consented = consented_text(
            campaign,
            version=shown_version(version),
            digest=message_digest,
            personal_text=None,
            text_rules=lambda text: [],
        )
        pledge = intents.pledge_by_email(
            session,
            campaign=campaign,
            platform=platform,
            email=address,
            text=consented.text,
            version=consented.version,
            personalised=False,
            now=now,
        )
    assert pledge.id is not None
    return page(
        request,
        "confirmed.html",
        campaign=campaign,
        pledge=pledge,
        manage_url=rt.settings.public_url.rstrip("/") + manage_path(rt, pledge.id),
        intent_words=(
            f"Nothing will be posted for you. At the release time we mail {address} a link that "
            f"opens {label(platform)} with this text ready; you post it yourself with one tap."
        ),
    )


@router.get("/p/{pledge_id}/{signature}/intent")
def follow_intent(
    request: Request, pledge_id: str, signature: str, session: SessionDep, rt: RuntimeDep
) -> Response:
    pledge = signed_pledge(session, rt, pledge_id, signature)
    campaign = pledge_campaign(session, pledge)
    target = intents.click(session, pledge, campaign, utcnow())
    if target is None:
        return message_page(
            request,
            "Not yet",
            f"This link opens {label(pledge.platform)} with your text at the release time of "
            f"“{campaign.title}” ({campaign.release_at:%Y-%m-%d %H:%M} UTC), if the campaign "
            "reached its goal. Nothing was counted.",
            409,
            back_url=manage_path(rt, pledge.id or 0),
            back_label="Back to your pledge",
        )
    return RedirectResponse(target, status_code=303)


__all__ = ["PledgeRefused", "router"]
