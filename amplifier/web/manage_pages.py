"""A supporter's manage link (/p/{id}/{signature}): the pledge, its post's fate, re-consent,
withdrawal, and what amplifier holds about them.

The link is the supporter's only key: it is signed (HMAC) and never expires, so every route here
checks the signature first and answers an unknown or altered link with the same 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, select

from amplifier.campaigns import consent_similarity
from amplifier.campaigns.consent import (
    EDITABLE,
    MessageChanged,
    PersonalTextRefused,
    needs_reconsent,
    reconsent,
)
from amplifier.errors import Conflict
from amplifier.models import Campaign, CampaignStatus, Delivery, Pledge, PledgeStatus
from amplifier.pledges.pledging import withdraw
from amplifier.pledges.supporter_data import delete_supporter_data, describe
from amplifier.pledges.take_back import can_take_back
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.consent_forms import (
    PERSONAL_FIELD_MAX,
    consent_fields,
    platform_limit,
    shown_version,
    text_rules,
)
from amplifier.web.deps import RuntimeDep, SessionDep
from amplifier.web.live_state import load_state
from amplifier.web.pledge_outcome import pledge_outcome, status_word
from amplifier.web.posting_words import intent_button
from amplifier.web.rendering import message_page, page
from amplifier.web.supporter_common import (
    TOO_LATE,
    RefusedWithBackLink,
    back_to,
    campaign_path,
    own_wording,
    pledge_campaign,
    safe_link,
    signed_pledge,
)

router = APIRouter(include_in_schema=False)


@router.get("/p/{pledge_id}/{signature}", response_class=HTMLResponse)
def manage(
    request: Request, pledge_id: str, signature: str, session: SessionDep, rt: RuntimeDep
) -> HTMLResponse:
    pledge = signed_pledge(session, rt, pledge_id, signature)
    campaign = pledge_campaign(session, pledge)
    return _manage_page(request, session, rt, pledge, campaign, action=request.url.path)


def _manage_page(
    request: Request,
    session: Session,
    rt: Runtime,
    pledge: Pledge,
    campaign: Campaign,
    status_code: int = 200,
    *,
    action: str,
    personal_text: str | None = None,
    problems: list[str] | None = None,
    changed: bool = False,
) -> HTMLResponse:
    """The pledge's page; after an edit it asks for consent to the new text (old beside new)."""
    delivery = session.exec(select(Delivery).where(Delivery.pledge_id == pledge.id)).first()
    reconsent_needed = needs_reconsent(pledge, campaign) and campaign.status in EDITABLE
    limit = (
        platform_limit(rt, session, campaign, pledge.platform, pledge.instance_url)
        if reconsent_needed  # the only form with a text box: nothing else needs the server
        else None
    )
    state, _ = load_state(session, rt, campaign, for_owner=False, now=utcnow())
    return page(
        request,
        "manage.html",
        status_code,
        pledge=pledge,
        campaign=campaign,
        state=state,
        state_url=f"{action}/state",
        delivery=delivery,
        can_take_back=can_take_back(pledge, delivery),
        status_word=status_word(pledge, delivery, campaign),
        outcome=pledge_outcome(pledge, delivery, campaign, state),
        can_withdraw=pledge.status == PledgeStatus.ACTIVE
        and campaign.status in (CampaignStatus.OPEN, CampaignStatus.ARMED),
        action=action,
        campaign_url=campaign_path(campaign.slug),
        reconsent_needed=reconsent_needed,
        reconsent_action=f"{action}/reconsent",
        problems=problems or [],
        changed=changed,
        **intent_button(rt, campaign, pledge),
        **consent_fields(campaign, personal_text=personal_text, platform_limit=limit),
    )


@router.post("/p/{pledge_id}/{signature}/reconsent", response_class=HTMLResponse)
def reconsent_pledge(
    request: Request,
    pledge_id: str,
    signature: str,
    session: SessionDep,
    rt: RuntimeDep,
    version: Annotated[str, Form(max_length=20)] = "",
    message_digest: Annotated[str, Form(max_length=100)] = "",
    personal_text: Annotated[str | None, Form(max_length=PERSONAL_FIELD_MAX)] = None,
) -> HTMLResponse:
    """The supporter agrees to the edited message their manage page showed (or their wording)."""
    pledge = signed_pledge(session, rt, pledge_id, signature)
    campaign = pledge_campaign(session, pledge)
    manage_url = request.url.path.removesuffix("/reconsent")
    with back_to(campaign.slug):
        try:
            reconsent(
                session,
                pledge,
                shown_version(version),
                personal_text,
                text_rules=text_rules(rt, session, pledge.platform, pledge.instance_url),
                digest=message_digest,
            )
        except MessageChanged:
            session.refresh(campaign)
            return _manage_page(
                request,
                session,
                rt,
                pledge,
                campaign,
                409,
                action=manage_url,
                personal_text=own_wording(campaign, personal_text, version, message_digest),
                changed=True,
            )
        except PersonalTextRefused as exc:
            return _manage_page(
                request,
                session,
                rt,
                pledge,
                campaign,
                422,
                action=manage_url,
                personal_text=personal_text,
                problems=exc.problems,
            )
        too_close = consent_similarity.refusal(
            session, campaign, pledge.platform, pledge.post_text, rt.settings, pledge_id=pledge.id
        )
        if too_close:  # the platform forbids similar posts: the earlier consent stands
            session.rollback()
            return _manage_page(
                request,
                session,
                rt,
                pledge,
                campaign,
                422,
                action=manage_url,
                personal_text=personal_text,
                problems=too_close,
            )
        consent_similarity.remember(session, pledge, campaign, rt.settings)
    return message_page(
        request,
        "Thank you: your consent is recorded",
        f"If “{campaign.title}” goes ahead, {pledge.handle} will post exactly: "
        f"“{pledge.post_text}”.",
        200,
        back_url=manage_url,
        back_label="Back to your pledge",
    )


@router.post("/p/{pledge_id}/{signature}", response_class=HTMLResponse)
def withdraw_pledge(
    request: Request,
    pledge_id: str,
    signature: str,
    session: SessionDep,
    rt: RuntimeDep,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> HTMLResponse:
    """Without `confirm=yes` this only asks "are you sure?"; with it, the pledge is withdrawn."""
    pledge = signed_pledge(session, rt, pledge_id, signature)
    campaign = pledge_campaign(session, pledge)
    back = campaign_path(campaign.slug)
    if pledge.status == PledgeStatus.WITHDRAWN:
        return message_page(
            request,
            "Your pledge is withdrawn",
            f"Nothing will be posted from {pledge.handle} for “{campaign.title}”, and the "
            "access amplifier held to your account is deleted.",
            200,
            back_url=back,
        )
    if campaign.status not in (CampaignStatus.OPEN, CampaignStatus.ARMED):
        described = TOO_LATE.get(campaign.status, campaign.status)
        raise RefusedWithBackLink(
            "Too late to withdraw",
            f"This campaign is {described}; your pledge can no longer be withdrawn. "
            "Your pledge's link shows what happens to your post.",
            kind=Conflict,
            back_url=back,
        )
    if confirm != "yes":
        return page(
            request,
            "withdraw_confirm.html",
            pledge=pledge,
            campaign=campaign,
            action=request.url.path,
            campaign_url=back,
        )
    with back_to(campaign.slug):
        withdraw(session, pledge=pledge, campaign=campaign, now=utcnow())
    return message_page(
        request,
        "Your pledge is withdrawn",
        f"Nothing will be posted from {pledge.handle} for “{campaign.title}”, and the access "
        "amplifier held to your account has been deleted.",
        200,
        back_url=back,
    )


@router.get("/p/{pledge_id}/{signature}/data", response_class=HTMLResponse)
def supporter_data(
    request: Request,
    pledge_id: str,
    signature: str,
    session: SessionDep,
    rt: RuntimeDep,
    confirm: str = "",
) -> HTMLResponse:
    """Everything held about this pledge (never a token's value), and the way to delete it."""
    pledge = signed_pledge(session, rt, pledge_id, signature)
    campaign = pledge_campaign(session, pledge)
    data = describe(session, pledge)
    manage_url = request.url.path.removesuffix("/data")
    return page(
        request,
        "supporter_data.html",
        data=data,
        campaign=campaign,
        post_url=safe_link(data.outcome.url)
        if data.outcome is not None and data.outcome.status != "deleted"  # its link is a 404
        else None,
        confirming=confirm == "delete" and not data.erased,
        data_url=request.url.path,
        delete_action=f"{request.url.path}/delete",
        manage_url=manage_url,
        campaign_url=campaign_path(campaign.slug),
        can_withdraw=pledge.status == PledgeStatus.ACTIVE
        and campaign.status in (CampaignStatus.OPEN, CampaignStatus.ARMED),
    )


@router.post("/p/{pledge_id}/{signature}/data/delete", response_class=HTMLResponse)
def delete_data(
    request: Request,
    pledge_id: str,
    signature: str,
    session: SessionDep,
    rt: RuntimeDep,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Without `confirm=yes` this only asks "are you sure?"; with it, the data is deleted."""
    pledge = signed_pledge(session, rt, pledge_id, signature)
    campaign = pledge_campaign(session, pledge)
    data_url = request.url.path.removesuffix("/delete")
    if confirm != "yes":
        return RedirectResponse(f"{data_url}?confirm=delete", status_code=303)
    with back_to(campaign.slug):
        delete_supporter_data(session, pledge=pledge, campaign=campaign, now=utcnow())
    return RedirectResponse(data_url, status_code=303)
