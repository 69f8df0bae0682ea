"""An owner's campaigns on the web: the dashboard and a campaign's page (the new-campaign form
is `owner_campaign_form`, the report's table and CSV `owner_report`).

Both say where each campaign stands in the sentence `campaign_state` gives every page (review
and suspension reasons included, for the owner's eyes) and keep it true by polling the owner's
state endpoint. Another owner's campaign is answered with the very 404 page of a campaign that
does not exist. The signup link is offered only while it works; cancelling, being final, goes
through a confirmation page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from amplifier.campaigns.lifecycle import CampaignPublic, cancel_campaign, list_campaigns, to_public
from amplifier.campaigns.moderation import is_public
from amplifier.campaigns.report import SORT_KEYS, build_report
from amplifier.campaigns.rules import CampaignRuleError
from amplifier.models import Campaign, CampaignStatus, Owner, ReviewStatus
from amplifier.notify.preflight import at_risk
from amplifier.notify.updates import OPEN_FOR_UPDATES, list_updates
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.deps import RuntimeDep, SessionDep, WebOwner
from amplifier.web.live_state import load_state, release_now, without_js_refresh
from amplifier.web.owner_pledges import pledge_dashboard
from amplifier.web.owner_report import report_view
from amplifier.web.path_ids import own_campaign
from amplifier.web.rendering import page

router = APIRouter(include_in_schema=False)


def _private(response: HTMLResponse) -> HTMLResponse:
    response.headers["Cache-Control"] = "no-store"
    return response


def signup_link_state(campaign: Campaign) -> str | None:
    """Why the signup link does not work now, or None when it does.

    Owners shared links that answered "not found" (pending, rejected) or led to a cancelled
    campaign; the page says so instead of offering the link as if it worked.
    """
    if campaign.status == CampaignStatus.CANCELLED:
        return "it takes no pledges, because the campaign is cancelled"
    if campaign.review_status == ReviewStatus.REJECTED:
        return "it answers “not found”, because an admin rejected the campaign"
    if not is_public(campaign) and campaign.status == CampaignStatus.OPEN:
        return "it answers “not found” until an admin approves the campaign"
    if not is_public(campaign):
        return "it answers “not found”: the campaign was never approved"
    return None


@router.get("/owner", response_class=HTMLResponse)
def dashboard(
    request: Request, session: SessionDep, rt: RuntimeDep, owner: WebOwner
) -> HTMLResponse:
    now = utcnow()
    rows = [_row(session, rt, c, now) for c in list_campaigns(session, owner_id=owner.id)]
    return _private(page(request, "owner/dashboard.html", owner=owner, campaigns=rows))


def _row(session: Session, rt: Runtime, campaign: Campaign, now: datetime) -> dict[str, Any]:
    """A dashboard line: the public view, and where it stands in the owner's words."""
    public: CampaignPublic = to_public(
        session, campaign, public_url=rt.settings.public_url, settings=rt.settings
    )
    state, _ = load_state(session, rt, campaign, for_owner=True, now=now)
    return {"public": public, "state": state}


# --- one campaign ------------------------------------------------------------------------------


def _campaign_page(
    request: Request,
    session: Session,
    rt: Runtime,
    owner: Owner,
    campaign: Campaign,
    code: int = 200,
    error: str | None = None,
    created: bool = False,
    image_done: str = "",
    update: str = "",
    posted: bool = False,
    sort: str = "offset",
    order: str = "",
) -> HTMLResponse:
    public = to_public(session, campaign, public_url=rt.settings.public_url, settings=rt.settings)
    now = utcnow()
    state, _ = load_state(session, rt, campaign, for_owner=True, now=now)
    url = f"/owner/campaigns/{campaign.id}"
    return _private(
        page(
            request,
            "owner/campaign.html",
            code,
            owner=owner,
            campaign=campaign,
            public=public,
            state=state,
            state_url=f"{url}/state",
            release=release_now(session, campaign, state, now, public=False),
            refresh_without_js=without_js_refresh(state),
            pledges=pledge_dashboard(session, campaign, now=now),
            **_report_context(session, campaign, sort, order),
            error=error,
            can_cancel=_can_cancel(campaign),
            created=created,
            image_done=image_done if image_done in ("saved", "removed") else "",
            link_not_working=signup_link_state(campaign),
            at_risk=at_risk(session, campaign.id) if campaign.id is not None else 0,
            updates=list_updates(session, campaign.id) if campaign.id is not None else [],
            update=update,  # the update form's text, kept when it is refused
            can_update=campaign.status in OPEN_FOR_UPDATES,
            posted=posted,
        )
    )


def _report_context(session: Session, campaign: Campaign, sort: str, order: str) -> dict[str, Any]:
    """What `owner/_report.html` needs, for the whole page and for the section alone."""
    report = build_report(session, campaign)
    url = f"/owner/campaigns/{campaign.id}"
    rows, sort_links = report_view(report, url, sort, order)
    query = f"?sort={sort}" if sort in SORT_KEYS and sort != "offset" else ""
    section = f"{url}/report-section?sort={sort if sort in SORT_KEYS else 'offset'}"
    return {
        "report": report,
        "rows": rows,
        "sort_links": sort_links,
        "csv_url": f"{url}/report.csv{query}",
        "report_url": section + ("&order=desc" if order == "desc" else ""),
    }


campaign_page_response = _campaign_page  # for the update form (owner_updates_pages.py)


def _can_cancel(campaign: Campaign) -> bool:
    return campaign.status in (CampaignStatus.OPEN, CampaignStatus.ARMED)


@router.get("/owner/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(
    request: Request,
    campaign_id: str,
    session: SessionDep,
    rt: RuntimeDep,
    owner: WebOwner,
    created: str = "",
    image: str = "",
    posted: str = "",
    sort: str = "offset",
    order: str = "",
) -> HTMLResponse:
    """The campaign, where it stands (live), its signup link, and the full report, sorted by
    `sort` (offset, outcome, platform) in `order` ("desc" reverses)."""
    campaign = own_campaign(session, owner, campaign_id)
    return _campaign_page(
        request,
        session,
        rt,
        owner,
        campaign,
        created=created == "1",
        image_done=image,
        posted=posted == "1",
        sort=sort,
        order=order,
    )


@router.get("/owner/campaigns/{campaign_id}/report-section", response_class=HTMLResponse)
def report_section(
    request: Request,
    campaign_id: str,
    session: SessionDep,
    rt: RuntimeDep,
    owner: WebOwner,
    sort: str = "offset",
    order: str = "",
) -> HTMLResponse:
    """The report's section alone, as the campaign page renders it: the live view swaps it in
    while the posts land (live-release.js), so the page need not be reloaded."""
    campaign = own_campaign(session, owner, campaign_id)
    state, _ = load_state(session, rt, campaign, for_owner=True, now=utcnow())
    context = _report_context(session, campaign, sort, order)
    return _private(page(request, "owner/_report.html", state=state, **context))


@router.get("/owner/campaigns/{campaign_id}/cancel/confirm", response_class=HTMLResponse)
def cancel_confirm(
    request: Request, campaign_id: str, session: SessionDep, owner: WebOwner
) -> Response:
    """ "Are you sure?": cancelling is final, so one stray click must not do it."""
    campaign = own_campaign(session, owner, campaign_id)
    if not _can_cancel(campaign):
        return RedirectResponse(f"/owner/campaigns/{campaign.id}", status.HTTP_303_SEE_OTHER)
    return _private(page(request, "owner/cancel_confirm.html", owner=owner, campaign=campaign))


@router.get("/owner/campaigns/{campaign_id}/cancel")
def cancel_address(campaign_id: str, session: SessionDep, owner: WebOwner) -> RedirectResponse:
    """A reload or a bookmark of the cancel address lands on the campaign's page, cancelling
    nothing (the supporters' 405 page would be the wrong advice for an owner)."""
    campaign = own_campaign(session, owner, campaign_id)
    return RedirectResponse(f"/owner/campaigns/{campaign.id}", status.HTTP_303_SEE_OTHER)


@router.post("/owner/campaigns/{campaign_id}/cancel", response_class=HTMLResponse)
def cancel(
    request: Request, campaign_id: str, session: SessionDep, rt: RuntimeDep, owner: WebOwner
) -> Response:
    campaign = own_campaign(session, owner, campaign_id)
    try:
        cancel_campaign(session, campaign=campaign)
    except CampaignRuleError as exc:
        return _campaign_page(request, session, rt, owner, campaign, 409, str(exc))
    return RedirectResponse(f"/owner/campaigns/{campaign.id}", status.HTTP_303_SEE_OTHER)
