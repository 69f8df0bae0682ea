"""What the reconnect and take-back pages share: a round trip to the platform for a pledge.

    signed(session, rt, pledge_id, signature) -> (pledge, manage URL)   the signed link
    to_platform(session, rt, pledge, …, start=, unreachable=) -> 303     POST: off to sign in
    returned_pledge(session, rt, attempt, platform) -> (pledge, URL)    the callback's pledge
    refused(exc, back_url) -> RefusedWithBackLink                       a refusal, as a page

Why one module: both pages are signed like the manage link, bind the trip to the browser with
the pledge cookie, and must turn every refusal into a page with the way back to the pledge; two
copies would drift (the domain side is amplifier/pledges/round_trip.py).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from amplifier.crypto import new_secret
from amplifier.errors import Refused
from amplifier.models import Campaign, OAuthAttempt, Pledge
from amplifier.pledges.connectors import PlatformUnavailable
from amplifier.pledges.pledging import PledgeRefused
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.supporter_links import (
    RefusedWithBackLink,
    manage_path,
    pledge_campaign,
    set_browser_cookie,
    signed_pledge,
)


def refused(exc: PledgeRefused, back_url: str) -> RefusedWithBackLink:
    return RefusedWithBackLink(exc.title, exc.message, kind=exc.kind, back_url=back_url)


def signed(session: Session, rt: Runtime, pledge_id: str, signature: str) -> tuple[Pledge, str]:
    """The pledge a signed link names, and its manage page's path; 404 for a bad signature."""
    pledge = signed_pledge(session, rt, pledge_id, signature)
    assert pledge.id is not None
    return pledge, manage_path(rt, pledge.id)


def to_platform(
    session: Session,
    rt: Runtime,
    pledge: Pledge,
    manage_url: str,
    browser_cookie: str | None,
    *,
    start: Callable[..., str],
    unreachable: Callable[[Exception, str], RefusedWithBackLink],
) -> Response:
    """Record the trip with `start` (`start_reconnect` or `start_take_back`) and send the
    browser to the platform."""
    browser = browser_cookie or new_secret(24)
    try:
        adapter = rt.connectors.for_platform(session, pledge.platform, pledge.instance_url)
        url = start(
            session,
            pledge=pledge,
            campaign=pledge_campaign(session, pledge),
            adapter=adapter,
            redirect_uri=rt.connectors.redirect_uri(pledge.platform),
            browser_nonce=browser,
            cipher=rt.cipher,
            now=utcnow(),
            ttl_s=rt.settings.oauth_attempt_ttl_s,
        )
    except (PlatformUnavailable, ValueError) as exc:
        raise unreachable(exc, manage_url) from exc
    except PledgeRefused as exc:
        raise refused(exc, manage_url) from exc
    response = RedirectResponse(url, status_code=303)
    set_browser_cookie(response, rt, browser)
    return response


def returned_pledge(
    session: Session, rt: Runtime, attempt: OAuthAttempt, platform: str
) -> tuple[Pledge, Campaign, str]:
    """The pledge (and campaign, and manage path) a returning trip was for, or a refusal page:
    a pledge gone since, or a callback on another platform's address."""
    pledge = session.get(Pledge, attempt.pledge_id) if attempt.pledge_id is not None else None
    campaign = session.get(Campaign, attempt.campaign_id)
    if pledge is None or campaign is None:
        raise PledgeRefused(
            "This sign-in link is not valid", "The pledge it was for no longer exists."
        )
    assert pledge.id is not None
    manage_url = manage_path(rt, pledge.id)
    if attempt.platform != platform:
        raise RefusedWithBackLink(
            "This sign-in link is not valid",
            "The platform does not match.",
            kind=Refused,
            back_url=manage_url,
        )
    return pledge, campaign, manage_url
