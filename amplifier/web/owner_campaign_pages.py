"""An owner's campaigns on the web: the dashboard, the new-campaign form, a campaign's page.

The form goes through the same `CampaignCreate` validation and `create_campaign` as the API and
the CLI, so the web cannot schedule what they would refuse. Another owner's campaign is answered
with the very 404 page of a campaign that does not exist: its existence is not disclosed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from amplifier.campaigns import (
    KNOWN_PLATFORMS,
    CampaignCreate,
    CampaignRuleError,
    cancel_campaign,
    create_campaign,
    list_campaigns,
    to_public,
)
from amplifier.models import Campaign, CampaignStatus, Owner
from amplifier.report import build_report
from amplifier.runtime import Runtime
from amplifier.web.deps import RuntimeDep, SessionDep, WebOwner
from amplifier.web.path_ids import path_id
from amplifier.web.rendering import page

router = APIRouter(include_in_schema=False)


_MAX_ZONE = 64
_FIELDS = ("title", "story", "message_text", "link", "goal", "pledge_deadline", "release_at")


def _private(response: HTMLResponse) -> HTMLResponse:
    response.headers["Cache-Control"] = "no-store"
    return response


def own_campaign(session: Session, owner: Owner, raw_id: str) -> Campaign:
    """The owner's campaign, or the 404 a missing one gets (another owner's included)."""
    wanted = path_id(raw_id)
    campaign = session.get(Campaign, wanted) if wanted is not None else None
    if campaign is None or campaign.owner_id != owner.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return campaign


@router.get("/owner", response_class=HTMLResponse)
def dashboard(
    request: Request, session: SessionDep, rt: RuntimeDep, owner: WebOwner
) -> HTMLResponse:
    campaigns = [
        to_public(session, c, public_url=rt.settings.public_url, settings=rt.settings)
        for c in list_campaigns(session, owner_id=owner.id)
    ]
    return _private(page(request, "owner/dashboard.html", owner=owner, campaigns=campaigns))


# --- the new-campaign form ---------------------------------------------------------------------


def _form_page(
    request: Request,
    rt: Runtime,
    owner: Owner,
    values: dict[str, Any],
    errors: list[str],
    code: int,
) -> HTMLResponse:
    return _private(
        page(
            request,
            "owner/campaign_new.html",
            code,
            owner=owner,
            values=values,
            errors=errors,
            platforms=[(p, p in rt.connectors.enabled_platforms()) for p in KNOWN_PLATFORMS],
        )
    )


@router.get("/owner/campaigns/new", response_class=HTMLResponse)
def new_campaign_form(request: Request, rt: RuntimeDep, owner: WebOwner) -> HTMLResponse:
    values = {name: "" for name in _FIELDS} | {
        "timezone": "UTC",
        "platforms": list(rt.connectors.enabled_platforms()),
    }
    return _form_page(request, rt, owner, values, [], 200)


def _moment(raw: str, zone: ZoneInfo | None, field: str, errors: list[str]) -> datetime | None:
    """A form's date and time: an ISO value with an offset, or a local one in the chosen zone."""
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        errors.append(f"{field}: enter a date and time such as 2026-12-01T18:00")
        return None
    if moment.tzinfo is None:
        if zone is None:
            return None  # the zone's own error is already reported
        moment = moment.replace(tzinfo=zone)
    return moment


def _zone(raw: str, errors: list[str]) -> ZoneInfo | None:
    name = raw.strip() or "UTC"
    try:
        if len(name) > _MAX_ZONE or not name.isascii() or not name.isprintable():
            raise ValueError(name)
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        errors.append(
            "timezone: not a time zone name; use one like UTC, Europe/Paris or America/New_York"
        )
        return None


def _problems(exc: ValidationError) -> list[str]:
    found = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()))
        msg = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        found.append(f"{where}: {msg}" if where else msg)
    return found


@router.post("/owner/campaigns/new", response_class=HTMLResponse)
def new_campaign(
    request: Request,
    session: SessionDep,
    rt: RuntimeDep,
    owner: WebOwner,
    # caps above the rules' own limits, so those are told on the form; beyond them only a
    # forged request goes, and it gets the generic "Please check the form" page
    title: Annotated[str, Form(max_length=1_000)] = "",
    story: Annotated[str, Form(max_length=20_000)] = "",
    message_text: Annotated[str, Form(max_length=10_000)] = "",
    link: Annotated[str, Form(max_length=4_000)] = "",
    goal: Annotated[str, Form(max_length=100)] = "",
    pledge_deadline: Annotated[str, Form(max_length=100)] = "",
    release_at: Annotated[str, Form(max_length=100)] = "",
    timezone: Annotated[str, Form(max_length=200)] = "UTC",
    platforms: Annotated[list[str], Form(max_length=10)] = [],  # noqa: B006 (FastAPI copies)
) -> Response:
    values: dict[str, Any] = {
        "title": title,
        "story": story,
        "message_text": message_text,
        "link": link,
        "goal": goal,
        "pledge_deadline": pledge_deadline,
        "release_at": release_at,
        "timezone": timezone,
        "platforms": platforms[: len(KNOWN_PLATFORMS)],
    }
    errors: list[str] = []
    goal_number = None
    if goal.strip().isascii() and goal.strip().isdigit() and len(goal.strip()) <= 9:
        goal_number = int(goal.strip())
    else:
        errors.append("goal: enter a whole number of supporters, such as 100")
    zone = _zone(timezone, errors)
    deadline = _moment(pledge_deadline, zone, "pledge_deadline", errors)
    release = _moment(release_at, zone, "release_at", errors)
    if not platforms:
        errors.append("platforms: choose at least one platform")
    data = None
    if not errors:
        try:
            data = CampaignCreate(
                title=title,
                story=story,
                message_text=message_text,
                link=link or None,
                goal=goal_number,  # type: ignore[arg-type]  # checked above
                pledge_deadline=deadline,  # type: ignore[arg-type]
                release_at=release,  # type: ignore[arg-type]
                platforms=platforms,
            )
        except ValidationError as exc:
            errors.extend(_problems(exc))
        except OverflowError:
            errors.append("dates must fall between the years 1 and 9999 once converted to UTC")
    if data is None:
        return _form_page(request, rt, owner, values, errors, 400)
    assert owner.id is not None
    try:
        campaign = create_campaign(
            session,
            owner_id=owner.id,
            data=data,
            enabled_platforms=rt.connectors.enabled_platforms(),
            auto_approve=rt.settings.moderation_auto_approve,
        )
    except CampaignRuleError as exc:
        return _form_page(request, rt, owner, values, [str(exc)], 400)
    return RedirectResponse(f"/owner/campaigns/{campaign.id}", status.HTTP_303_SEE_OTHER)


# --- one campaign ------------------------------------------------------------------------------


def _campaign_page(
    request: Request,
    session: Session,
    rt: Runtime,
    owner: Owner,
    campaign: Campaign,
    code: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    public = to_public(session, campaign, public_url=rt.settings.public_url, settings=rt.settings)
    report = build_report(session, campaign)
    return _private(
        page(
            request,
            "owner/campaign.html",
            code,
            owner=owner,
            campaign=campaign,
            public=public,
            report=report,
            error=error,
            can_cancel=campaign.status in (CampaignStatus.OPEN, CampaignStatus.ARMED),
        )
    )


@router.get("/owner/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(
    request: Request, campaign_id: str, session: SessionDep, rt: RuntimeDep, owner: WebOwner
) -> HTMLResponse:
    return _campaign_page(request, session, rt, owner, own_campaign(session, owner, campaign_id))


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
