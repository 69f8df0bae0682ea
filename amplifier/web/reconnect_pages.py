"""A supporter reconnects the account of their pledge (the preflight found it dead).

    GET  /p/{id}/{signature}/reconnect     what will happen, and the button (a form: a mail
                                           client's link preview must not start anything)
    POST /p/{id}/{signature}/reconnect     starts the OAuth round trip (CSRF-protected)
    reconnect_return(…)                    the platform's callback (pages.oauth_callback hands
                                           over attempts whose status is `reconnect`)

The link is the manage link plus `/reconnect`, so it is signed like the manage link; the round
trip is bound to the browser by the same cookie as a pledge. The domain is
amplifier/pledges/reconnect.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from amplifier.errors import Unavailable
from amplifier.models import OAuthAttempt
from amplifier.platforms.registry import declaration
from amplifier.pledges.connectors import PlatformUnavailable
from amplifier.pledges.pledging import PledgeRefused
from amplifier.pledges.reconnect import RECONNECTING as RECONNECTING
from amplifier.pledges.reconnect import ensure_reconnectable, finish_reconnect, start_reconnect
from amplifier.pledges.round_trip import ensure_trusted
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
        f"{exc} Your pledge is unchanged; try again later from its link.",
        kind=Unavailable,
        back_url=back_url,
    )


@router.get("/p/{pledge_id}/{signature}/reconnect", response_class=HTMLResponse)
def reconnect_page(
    request: Request, pledge_id: str, signature: str, session: SessionDep, rt: RuntimeDep
) -> HTMLResponse:
    pledge, manage_url = signed(session, rt, pledge_id, signature)
    campaign = pledge_campaign(session, pledge)
    try:
        ensure_reconnectable(pledge, campaign)
    except PledgeRefused as exc:
        raise refused(exc, manage_url) from exc
    return page(
        request,
        "reconnect.html",
        pledge=pledge,
        campaign=campaign,
        platform_label=platform_label(pledge.platform),
        action=request.url.path,
        manage_url=manage_url,
    )


@router.post("/p/{pledge_id}/{signature}/reconnect")
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
        start=start_reconnect,
        unreachable=_unreachable,
    )


def reconnect_return(
    request: Request,
    session: Session,
    rt: Runtime,
    attempt: OAuthAttempt,
    platform: str,
    *,
    code: str,
    error: str,
) -> HTMLResponse:
    """The platform sent the browser back from a reconnection: new tokens, or the reason."""
    pledge, campaign, manage_url = returned_pledge(session, rt, attempt, platform)
    if error or not code:
        session.delete(attempt)
        return message_page(
            request,
            "Not reconnected",
            f"You did not allow amplifier to post for you on {platform_label(platform)}, so "
            "the connection was not renewed; your pledge is unchanged. Unless you reconnect, "
            "its post cannot go out.",
            400,
            back_url=manage_url,
            back_label="Back to your pledge",
        )
    try:
        adapter = rt.connectors.for_platform(session, attempt.platform, attempt.instance_url)
        ensure_trusted(platform, adapter, request.query_params, "Your pledge is unchanged.")
        finish_reconnect(
            session,
            attempt=attempt,
            pledge=pledge,
            campaign=campaign,
            code=code,
            adapter=adapter,
            redirect_uri=rt.connectors.redirect_uri(platform),
            cipher=rt.cipher,
            now=utcnow(),
            chooser=declaration(platform).chooser(adapter),
        )
    except (PlatformUnavailable, ValueError) as exc:
        raise _unreachable(exc, manage_url) from exc
    except PledgeRefused as exc:
        raise refused(exc, manage_url) from exc
    return message_page(
        request,
        "Your account is reconnected",
        f"{pledge.handle} is connected again. Your pledge and the text you agreed to are "
        f"unchanged: if “{campaign.title}” goes ahead, it is posted at the release.",
        200,
        back_url=manage_url,
        back_label="Back to your pledge",
    )
