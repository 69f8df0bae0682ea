""" "Email me this link" on the pledge's confirmation page.

The manage link is the supporter's only way back to their pledge; the confirmation page is the
one page that shows it. A supporter who gave no address on the consent page may ask for it by
mail here: the address is kept with the pledge with receipts switched on (so the link, a changed
message and the post's fate reach them, each mail with its unsubscribe link) and the pledge's
confirmation mail, which carries the link, is queued (notify/receipts.py). The address is
forgotten with the others when the campaign is over. A mistyped address comes back on the page,
next to the field, with what was typed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from amplifier.models import Campaign, CampaignStatus, Pledge, PledgeStatus
from amplifier.notify import events
from amplifier.notify.receipts import set_contact
from amplifier.owners.logins import AccountError, normalise_email
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.deps import RuntimeDep, SessionDep
from amplifier.web.rendering import page
from amplifier.web.supporter_links import manage_path, pledge_campaign, signed_pledge

router = APIRouter(include_in_schema=False)
_OVER = (CampaignStatus.RELEASED, CampaignStatus.FAILED, CampaignStatus.CANCELLED)


def confirmation_page(
    request: Request,
    rt: Runtime,
    pledge: Pledge,
    campaign: Campaign,
    status_code: int = 200,
    **extra: object,
) -> HTMLResponse:
    assert pledge.id is not None
    return page(
        request,
        "confirmed.html",
        status_code,
        campaign=campaign,
        pledge=pledge,
        manage_url=rt.settings.public_url.rstrip("/") + manage_path(rt, pledge.id),
        **extra,
    )


@router.post("/p/{pledge_id}/{signature}/email-link", response_class=HTMLResponse)
def email_me_this_link(
    request: Request,
    pledge_id: str,
    signature: str,
    session: SessionDep,
    rt: RuntimeDep,
    email: Annotated[str, Form(max_length=1_000)] = "",
) -> HTMLResponse:
    pledge = signed_pledge(session, rt, pledge_id, signature)
    campaign = pledge_campaign(session, pledge)
    if pledge.status != PledgeStatus.ACTIVE or campaign.status in _OVER:
        return confirmation_page(
            request, rt, pledge, campaign, 409,
            email_error="This pledge is no longer active, so no mail is sent for it. "
            "Keep the link above: it still shows what happened.",
            email_typed=email[:254],
        )  # fmt: skip
    try:
        if not email.strip():
            raise AccountError("type the address the link should go to")
        address = normalise_email(email)
    except AccountError as exc:
        words = str(exc).removeprefix("email:").strip()
        return confirmation_page(
            request, rt, pledge, campaign, 422,
            email_error=f"Email address: {words}", email_typed=email[:254],
        )  # fmt: skip
    set_contact(
        session,
        pledge,
        email=address,
        receipts=True,
        updates=pledge.email_updates,
        now=utcnow(),
    )
    events.confirmed(session, pledge, campaign)
    return confirmation_page(request, rt, pledge, campaign, email_sent=address)
