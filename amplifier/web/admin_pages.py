"""The admin page: the review queue with approve / reject forms, live campaigns with suspend /
reinstate. Logged-in admins only: no session → the login page, an owner who is not an admin → 403.

Every form is CSRF-protected (the middleware refuses a POST without the page's token); each
action redirects back to /admin, so a reload never repeats it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from amplifier.campaigns import moderation
from amplifier.campaigns.personalise import MAX_PERSONAL_LENGTH, required_fragments
from amplifier.models import Campaign, Owner
from amplifier.owners.admins import is_admin
from amplifier.timeutil import utcnow
from amplifier.web.deps import SessionDep, WebOwner
from amplifier.web.errors import status_for
from amplifier.web.path_ids import path_id
from amplifier.web.rendering import message_page, page

router = APIRouter(include_in_schema=False)
ADMIN_PATH = "/admin"
# what the banner after an action says; `{title}` is read from the database, never the query
_DONE = {
    "approve": "approved: it is public now",
    "reject": "rejected: its owner sees the reason",
    "suspend": "suspended: no pledges, release held",
    "reinstate": "reinstated",
}


def web_admin(owner: WebOwner) -> Owner:
    if not is_admin(owner):
        raise HTTPException(
            403,
            "This page is for the site's admins. You are logged in, but your account is not "
            "an admin's; ask an operator if you should be one.",
        )
    return owner


WebAdmin = Annotated[Owner, Depends(web_admin)]


def _owners(session: Session, campaigns: list[Campaign]) -> dict[int, str]:
    ids = {c.owner_id for c in campaigns}
    found = {i: session.get(Owner, i) for i in ids}
    return {i: (o.name if o is not None else "?") for i, o in found.items()}


def _done_note(session: Session, done: str, raw_id: str) -> str | None:
    """The banner after an action, built from the campaign row: the query string is anyone's to
    write, so an unknown action, a non-numeric id or an id of no campaign shows nothing."""
    campaign_id = path_id(raw_id)
    if done not in _DONE or campaign_id is None:
        return None
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    return f"“{campaign.title}” (campaign {campaign_id}) {_DONE[done]}."


@router.get(ADMIN_PATH, response_class=HTMLResponse)
def admin_home(
    request: Request, session: SessionDep, admin: WebAdmin, done: str = "", id: str = ""
) -> HTMLResponse:
    """`done` and `id` say what the last action did (only known actions are shown)."""
    note = _done_note(session, done, id)
    pending = moderation.list_pending(session)
    live = moderation.list_live(session)
    return page(
        request,
        "admin.html",
        admin=admin,
        max_personal_length=MAX_PERSONAL_LENGTH,
        pending=pending,
        live=live,
        owners=_owners(session, pending + live),
        required={c.id: required_fragments(c) for c in pending},
        done=note,
    )


def _act(
    request: Request,
    session: SessionDep,
    raw_id: str,
    admin: Owner,
    change: Callable[..., Campaign],
    **reason: str,
) -> Response:
    """Run one review change as this admin, then back to /admin (a reload repeats nothing)."""
    campaign_id = path_id(raw_id)
    try:
        if campaign_id is None:
            raise moderation.CampaignNotFound(f"no campaign with id {raw_id[:20]}")
        change(session, campaign_id=campaign_id, admin_id=admin.id, now=utcnow(), **reason)
    except moderation.ModerationError as exc:
        return message_page(
            request,
            "Nothing was changed",
            f"{exc}.",
            status_for(exc),
            back_url=ADMIN_PATH,
            back_label="Back to the admin page",
        )
    query = urlencode({"done": change.__name__, "id": campaign_id})
    return RedirectResponse(f"{ADMIN_PATH}?{query}", status_code=303)


_Reason = Annotated[str, Form(max_length=moderation.MAX_REASON)]


@router.post(ADMIN_PATH + "/campaigns/{campaign_id}/approve")
def approve(request: Request, campaign_id: str, session: SessionDep, admin: WebAdmin) -> Response:
    return _act(request, session, campaign_id, admin, moderation.approve)


@router.post(ADMIN_PATH + "/campaigns/{campaign_id}/reject")
def reject(
    request: Request, campaign_id: str, session: SessionDep, admin: WebAdmin, reason: _Reason = ""
) -> Response:
    return _act(request, session, campaign_id, admin, moderation.reject, reason=reason)


@router.post(ADMIN_PATH + "/campaigns/{campaign_id}/suspend")
def suspend(
    request: Request, campaign_id: str, session: SessionDep, admin: WebAdmin, reason: _Reason = ""
) -> Response:
    return _act(request, session, campaign_id, admin, moderation.suspend, reason=reason)


@router.post(ADMIN_PATH + "/campaigns/{campaign_id}/reinstate")
def reinstate(request: Request, campaign_id: str, session: SessionDep, admin: WebAdmin) -> Response:
    return _act(request, session, campaign_id, admin, moderation.reinstate)
