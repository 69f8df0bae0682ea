"""A supporter deletes their post after the release (the domain is amplifier/pledges/take_back.py).

    GET  /p/{id}/{signature}/delete-post    what will happen, and the button (a form: a link
                                            preview must not start anything)
    POST /p/{id}/{signature}/delete-post    starts the platform's sign-in (CSRF-protected)
    take_back_return(…)                     the platform's callback (pages.oauth_callback hands
                                            over attempts whose status is `take_back`)

Signed like the manage link, bound to the browser by the same cookie as a pledge. Every refusal
is a page saying what happened, with the way back to the pledge.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from amplifier.errors import Unavailable
from amplifier.models import OAuthAttempt
from amplifier.pledges.connectors import PlatformUnavailable
from amplifier.pledges.pledging import PledgeRefused
from amplifier.pledges.round_trip import ensure_trusted
from amplifier.pledges.take_back import TAKING_BACK as TAKING_BACK
from amplifier.pledges.take_back import (
    ensure_deletable,
    finish_take_back,
    posted_delivery,
    start_take_back,
)
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.deps import RuntimeDep, SessionDep
from amplifier.web.pledge_trips import refused, returned_pledge, signed, to_platform
from amplifier.web.rendering import message_page, page, platform_label
from amplifier.web.supporter_links import (
    RefusedWithBackLink,
    pledge_campaign,
)

router = APIRouter(include_in_schema=False)


def _unreachable(exc: Exception, back_url: str) -> RefusedWithBackLink:
    return RefusedWithBackLink(
        "This platform cannot be reached",
        f"{exc} Your post is still there; try again later from your pledge's link.",
        kind=Unavailable,
        back_url=back_url,
    )


@router.get("/p/{pledge_id}/{signature}/delete-post", response_class=HTMLResponse)
def take_back_page(
    request: Request, pledge_id: str, signature: str, session: SessionDep, rt: RuntimeDep
) -> HTMLResponse:
    pledge, manage_url = signed(session, rt, pledge_id, signature)
    try:
        delivery = ensure_deletable(pledge, posted_delivery(session, pledge))
    except PledgeRefused as exc:
        raise refused(exc, manage_url) from exc
    return page(
        request,
        "take_back.html",
        pledge=pledge,
        campaign=pledge_campaign(session, pledge),
        delivery=delivery,
        platform_label=platform_label(pledge.platform),
        action=request.url.path,
        manage_url=manage_url,
    )


@router.post("/p/{pledge_id}/{signature}/delete-post")
def start(
    pledge_id: str,
    signature: str,
    session: SessionDep,
    rt: RuntimeDep,
    amp_browser: Annotated[str | None, Cookie()] = None,
) -> Response:
    pledge, manage_url = signed(session, rt, pledge_id, signature)
    return to_platform(
        session,
        rt,
        pledge,
        manage_url,
        amp_browser,
        start=start_take_back,
        unreachable=_unreachable,
    )


def take_back_return(
    request: Request,
    session: Session,
    rt: Runtime,
    attempt: OAuthAttempt,
    platform: str,
    *,
    code: str,
    error: str,
) -> HTMLResponse:
    """The platform sent the browser back: the post deleted, or the reason it was not."""
    pledge, _, manage_url = returned_pledge(session, rt, attempt, platform)
    label = platform_label(pledge.platform)
    if error or not code:
        session.delete(attempt)
        return message_page(
            request,
            "Not deleted",
            f"You did not allow amplifier to act for you on {label}, so your post is still "
            "there. You can try again from your pledge's link, or delete it on the platform.",
            400,
            back_url=manage_url,
            back_label="Back to your pledge",
        )
    try:
        adapter = rt.connectors.for_platform(session, attempt.platform, attempt.instance_url)
        ensure_trusted(platform, adapter, request.query_params, "Your post was not deleted.")
        finish_take_back(
            session,
            attempt=attempt,
            pledge=pledge,
            code=code,
            adapter=adapter,
            redirect_uri=rt.connectors.redirect_uri(platform),
            cipher=rt.cipher,
            now=utcnow(),
        )
    except (PlatformUnavailable, ValueError) as exc:
        raise _unreachable(exc, manage_url) from exc
    except PledgeRefused as exc:
        raise refused(exc, manage_url) from exc
    return message_page(
        request,
        "Your post is deleted",
        f"Your post is deleted from {label}, and the campaign's report says so. amplifier "
        f"kept no access to {pledge.handle}.",
        200,
        back_url=manage_url,
        back_label="Back to your pledge",
    )
