"""The pledge page where a supporter picks which of their accounts posts (a Page, a blog).

    choice_page(…)           after the OAuth callback, for a platform whose declaration
                             `chooses_account`: the list, or the "no account at all" page
    POST /pledge/account     the choice (CSRF-protected, bound to the browser like consent);
                             answered with the consent page for the chosen account

The domain is amplifier/account_choice.py. Every refusal links back to the campaign page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from amplifier.errors import InvalidInput, Unavailable
from amplifier.models import Campaign, OAuthAttempt
from amplifier.platforms.base import AccountChooser
from amplifier.platforms.registry import declaration
from amplifier.pledges.account_choice import accounts_to_choose, choose_account
from amplifier.pledges.connectors import PlatformUnavailable
from amplifier.pledges.pledging import PledgeRefused, ensure_open, load_attempt
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.deps import RuntimeDep, SessionDep
from amplifier.web.rendering import message_page, page, platform_site
from amplifier.web.supporter_common import back_to

router = APIRouter(include_in_schema=False)
ACTION = "/pledge/account"


def chooses_account(platform: str) -> bool:
    return declaration(platform).connect.chooses_account


def _chooser(rt: Runtime, session: Session, attempt: OAuthAttempt) -> AccountChooser:
    found = declaration(attempt.platform)
    try:
        adapter = rt.connectors.for_platform(session, attempt.platform, attempt.instance_url)
    except (PlatformUnavailable, ValueError) as exc:
        raise PledgeRefused(
            "This platform cannot be reached",
            f"{exc} Nothing was recorded; you can start again from the campaign page.",
            kind=Unavailable,
        ) from exc
    chooser = found.chooser(adapter)
    if chooser is None:  # a declaration that chooses accounts must say how (the battery checks)
        raise PledgeRefused(
            "This platform cannot be reached",
            f"{found.label} accounts cannot be chosen here. Nothing was recorded.",
            kind=Unavailable,
        )
    return chooser


def choice_page(
    request: Request, session: Session, rt: Runtime, campaign: Campaign, attempt: OAuthAttempt
) -> HTMLResponse:
    """The accounts to choose from; raises NoAccount (a page saying what to do) if none."""
    step = declaration(attempt.platform).connect
    accounts = accounts_to_choose(
        session,
        attempt=attempt,
        chooser=_chooser(rt, session, attempt),
        cipher=rt.cipher,
        noun=step.account_noun,
        no_account=step.no_account,
    )
    return page(
        request,
        "choose_account.html",
        campaign=campaign,
        attempt=attempt,
        accounts=accounts,
        noun=step.account_noun,
        platform_label=platform_site(attempt.platform),
        action=ACTION,
    )


@router.get(ACTION, response_class=HTMLResponse)
def choose_by_get(request: Request) -> HTMLResponse:
    """The choice is the list's answer; reached any other way, say where to start."""
    return message_page(
        request,
        "Start from the campaign page",
        "This address only takes the account chosen on the list a platform's sign-in leads to. "
        "Open the campaign's signup link and choose your platform there; nothing was recorded.",
        405,
        back_url="/",
        back_label="What is amplifier?",
        headers={"Allow": "POST"},
    )


@router.post(ACTION, response_class=HTMLResponse)
def choose(
    request: Request,
    state: Annotated[str, Form(max_length=100)],
    session: SessionDep,
    rt: RuntimeDep,
    account_id: Annotated[str, Form(max_length=100)] = "",
    amp_browser: Annotated[str | None, Cookie()] = None,
) -> HTMLResponse:
    from amplifier.web.pages import consent_after_choice  # pages includes this router

    attempt = load_attempt(session, state=state, browser_nonce=amp_browser, now=utcnow())
    campaign = session.get(Campaign, attempt.campaign_id)
    assert campaign is not None
    with back_to(campaign.slug):
        ensure_open(campaign, utcnow())
        step = declaration(attempt.platform).connect
        if not account_id:
            raise PledgeRefused(
                f"Which {step.account_noun}?",
                f"Choose the {step.account_noun} to post from on the list, then continue. "
                "Nothing was recorded.",
                kind=InvalidInput,
            )
        choose_account(
            session,
            attempt=attempt,
            chooser=_chooser(rt, session, attempt),
            account_id=account_id,
            cipher=rt.cipher,
            noun=step.account_noun,
        )
        return consent_after_choice(request, rt, session, campaign, attempt)
