"""An owner's campaigns on the web: the dashboard, the new-campaign form, a campaign's page.

The form goes through the same `CampaignCreate` validation and `create_campaign` as the API and
the CLI, so the web cannot schedule what they would refuse. Another owner's campaign is answered
with the very 404 page of a campaign that does not exist: its existence is not disclosed.
A campaign's page says its review state in words and offers the signup link only while it works;
cancelling, being final, goes through a confirmation page.
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
    CampaignPublic,
    CampaignRuleError,
    cancel_campaign,
    create_campaign,
    list_campaigns,
    to_public,
)
from amplifier.models import Campaign, CampaignStatus, Owner, ReviewStatus
from amplifier.moderation import is_public, is_suspended
from amplifier.notify.preflight import at_risk
from amplifier.notify.updates import OPEN_FOR_UPDATES, list_updates
from amplifier.personalise import MAX_FRAGMENTS
from amplifier.platforms.registry import PLATFORMS
from amplifier.report import build_report
from amplifier.runtime import Runtime
from amplifier.web.deps import RuntimeDep, SessionDep, WebOwner
from amplifier.web.path_ids import path_id
from amplifier.web.rendering import page

router = APIRouter(include_in_schema=False)


_MAX_ZONE = 64
_FIELDS = (
    "title",
    "story",
    "message_text",
    "link",
    "goal",
    "pledge_deadline",
    "release_at",
    "personal_required",
    "personal_max_length",
)
PENDING_WORDS = "pending review: not public yet, the signup link works once an admin approves it"
NEVER_APPROVED_WORDS = "never approved by an admin: it was never public"


def _private(response: HTMLResponse) -> HTMLResponse:
    response.headers["Cache-Control"] = "no-store"
    return response


def review_words(campaign: Campaign) -> str | None:
    """The review state in the owner's words; None when there is nothing to say (approved).

    A bare "review: rejected" left owners guessing what it meant for their signup link and
    their supporters, so each state says what follows from it.
    """
    if is_suspended(campaign):
        reason = campaign.suspension_reason or "no reason given"
        return f"suspended by an admin: {reason}; pledges are kept and the release is held"
    if campaign.review_status == ReviewStatus.REJECTED:
        return f"rejected: {campaign.review_reason or 'no reason given'}"
    if not is_public(campaign):
        # an admin approves only an open campaign: once over, "works once approved" is untrue
        return PENDING_WORDS if campaign.status == CampaignStatus.OPEN else NEVER_APPROVED_WORDS
    return None


def signup_link_state(campaign: Campaign) -> str | None:
    """Why the signup link does not work now, or None when it does.

    Owners shared links that answered "not found" (pending, rejected) or led to a cancelled
    campaign; the page now says so instead of offering the link as if it worked.
    """
    if campaign.status == CampaignStatus.CANCELLED:
        return "it no longer takes pledges: the campaign is cancelled"
    if campaign.review_status == ReviewStatus.REJECTED:
        return "it does not work: the campaign was rejected and is not public"
    if not is_public(campaign):
        return "it does not work yet: the campaign is not public until an admin approves it"
    return None


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
    rows = [_row(session, rt, c) for c in list_campaigns(session, owner_id=owner.id)]
    return _private(page(request, "owner/dashboard.html", owner=owner, campaigns=rows))


def _row(session: Session, rt: Runtime, campaign: Campaign) -> dict[str, Any]:
    """A dashboard line: the public view plus the review state in words."""
    public: CampaignPublic = to_public(
        session, campaign, public_url=rt.settings.public_url, settings=rt.settings
    )
    return {"public": public, "review": review_words(campaign)}


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
            platform_rules=[PLATFORMS[p] for p in KNOWN_PLATFORMS if p in PLATFORMS],
            max_fragments=MAX_FRAGMENTS,
        )
    )


@router.get("/owner/campaigns/new", response_class=HTMLResponse)
def new_campaign_form(request: Request, rt: RuntimeDep, owner: WebOwner) -> HTMLResponse:
    values = {name: "" for name in _FIELDS} | {
        "timezone": "UTC",
        "platforms": list(rt.connectors.enabled_platforms()),
        "personalisation_allowed": False,
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


def _fragments(raw: str, errors: list[str]) -> list[str]:
    """ "What must stay": one fragment per non-blank line, as `personal_required` wants them."""
    fragments = [line.strip() for line in raw.splitlines() if line.strip()]
    if len(fragments) > MAX_FRAGMENTS:
        errors.append(
            f"what must stay: at most {MAX_FRAGMENTS} fragments, one per line "
            f"({len(fragments)} given)"
        )
    return fragments


def _max_length(raw: str, errors: list[str]) -> int | None:
    """The optional maximum length: blank means none, else a whole number."""
    text = raw.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    errors.append("maximum length: enter a whole number of characters, such as 400, or nothing")
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
    personalisation_allowed: Annotated[str, Form(max_length=10)] = "",
    personal_required: Annotated[str, Form(max_length=10_000)] = "",
    personal_max_length: Annotated[str, Form(max_length=100)] = "",
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
        "personalisation_allowed": bool(personalisation_allowed),
        "personal_required": personal_required,
        "personal_max_length": personal_max_length,
    }
    errors: list[str] = []
    fragments = _fragments(personal_required, errors)
    max_length = _max_length(personal_max_length, errors)
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
                personalisation_allowed=bool(personalisation_allowed),
                personal_required=fragments,
                personal_max_length=max_length,
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
    # `created=1` only chooses the notice's wording on the next page; it grants nothing
    return RedirectResponse(f"/owner/campaigns/{campaign.id}?created=1", status.HTTP_303_SEE_OTHER)


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
    update: str = "",
    posted: bool = False,
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
            can_cancel=_can_cancel(campaign),
            created=created,
            review=review_words(campaign),
            link_not_working=signup_link_state(campaign),
            at_risk=at_risk(session, campaign.id) if campaign.id is not None else 0,
            updates=list_updates(session, campaign.id) if campaign.id is not None else [],
            update=update,  # the update form's text, kept when it is refused
            can_update=campaign.status in OPEN_FOR_UPDATES,
            posted=posted,
        )
    )


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
    posted: str = "",
) -> HTMLResponse:
    campaign = own_campaign(session, owner, campaign_id)
    return _campaign_page(
        request, session, rt, owner, campaign, created=created == "1", posted=posted == "1"
    )


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
