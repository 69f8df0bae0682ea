"""Supporter pages: the OAuth round trip and consent; the campaign page and the manage link
live in `campaign_pages` and `manage_pages`, included here, so the app includes one router for
everything a supporter does.

The browser that starts a pledge gets a random cookie; its digest is stored on the attempt, so the
callback and the consent form are honoured only in that browser (state alone could be replayed).

Every refusal is a page saying what happened and what to do; where the campaign is known, the page
links back to it, so a supporter is never left at a dead end.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from amplifier.campaigns import consent_similarity
from amplifier.campaigns.consent import (
    ConsentedText,
    MessageChanged,
    PersonalTextRefused,
    consented_text,
)
from amplifier.crypto import plausible_secret
from amplifier.errors import Unavailable
from amplifier.models import Campaign, OAuthAttempt
from amplifier.platforms.registry import declaration
from amplifier.pledges.connectors import PlatformUnavailable
from amplifier.pledges.pledging import (
    AlreadyPledged,
    PledgeRefused,
    authorize_attempt,
    confirm_pledge,
    ensure_open,
    load_attempt,
)
from amplifier.pledges.round_trip import ensure_trusted
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web import (
    account_choice_pages,
    campaign_extras,
    campaign_pages,
    manage_pages,
    supporter_mail_link,
    take_back_pages,
)
from amplifier.web.consent_forms import (
    PERSONAL_FIELD_MAX,
    PlatformLimit,
    consent_fields,
    platform_limit,
    shown_version,
    text_rules,
)
from amplifier.web.deps import MaybeWebOwner, RuntimeDep, SessionDep
from amplifier.web.posting_words import distinct_note
from amplifier.web.reconnect_pages import RECONNECTING, reconnect_return
from amplifier.web.rendering import message_page, page, platform_site
from amplifier.web.supporter_common import (
    RefusedWithBackLink,
    back_to,
    campaign_path,
    manage_path,
    own_wording,
)
from amplifier.web.supporter_contact import SupporterContactDep, record_contact
from amplifier.web.take_back_pages import TAKING_BACK, take_back_return

__all__ = ["RefusedWithBackLink", "manage_path", "page_of_refused_form", "router"]

router = APIRouter(include_in_schema=False)
router.include_router(campaign_pages.router)
router.include_router(campaign_extras.router)
router.include_router(supporter_mail_link.router)
router.include_router(take_back_pages.router)
router.include_router(manage_pages.router)
router.include_router(account_choice_pages.router)
# What the platforms send back to the callback: our own state (43 characters), an authorization
# code (X's are ~90, Mastodon's 43) and an OAuth error code; far more than that is not theirs.
_MAX_STATE, _MAX_CODE, _MAX_ERROR = 100, 2_000, 200


def _slug_for_state(session: Session, state: str) -> str | None:
    if not plausible_secret(state):
        return None
    return session.exec(
        select(Campaign.slug)
        .join(OAuthAttempt, col(OAuthAttempt.campaign_id) == col(Campaign.id))
        .where(OAuthAttempt.state == state)
    ).first()


def _attempt(session: Session, *, state: str, browser: str | None) -> OAuthAttempt:
    """`load_attempt`, with a link back to the campaign when the attempt names one."""
    try:
        return load_attempt(session, state=state, browser_nonce=browser, now=utcnow())
    except PledgeRefused:
        with back_to(_slug_for_state(session, state)):
            raise


async def page_of_refused_form(request: Request, form: Mapping[str, str]) -> tuple[str, str] | None:
    """Where the page holding a form refused for its CSRF token is: (url, link label)."""
    path = request.url.path
    start = re.fullmatch(r"/c/([^/]+)/pledge", path)
    if start is not None:
        return campaign_path(start.group(1)), "Back to the campaign page"
    if path.startswith("/p/"):
        return "/".join(path.split("/")[:4]), "Back to your pledge"  # /p/{id}/{signature}
    if path in ("/pledge/confirm", account_choice_pages.ACTION) and form.get("state"):
        rt: Runtime = request.app.state.runtime

        def lookup() -> str | None:
            with rt.db.session() as session:
                return _slug_for_state(session, form["state"][:100])

        slug = await run_in_threadpool(lookup)
        if slug is not None:
            return campaign_path(slug), "Back to the campaign page (start again there)"
    return None


@router.get("/", response_class=HTMLResponse)
def home(request: Request, owner: MaybeWebOwner) -> HTMLResponse:
    return page(request, "home.html", 200, owner=owner)


@router.get("/oauth/{platform}/callback", response_class=HTMLResponse)
def oauth_callback(
    request: Request,
    platform: str,
    session: SessionDep,
    rt: RuntimeDep,
    state: str = "",
    code: str = "",
    error: str = "",
    amp_browser: Annotated[str | None, Cookie()] = None,
) -> HTMLResponse:
    if len(state) > _MAX_STATE or len(code) > _MAX_CODE or len(error) > _MAX_ERROR:
        # no platform sends such values: a forged or mangled address, refused before any
        # lookup or any call to the platform with it
        raise PledgeRefused(
            "This sign-in link is not valid",
            "The address the platform sent you back to is damaged or was not made by it. "
            "Start again from the campaign's signup link; nothing was recorded.",
        )
    attempt = _attempt(session, state=state, browser=amp_browser)
    if attempt.status == RECONNECTING:  # a pledge's reconnection (reconnect_pages.py)
        return reconnect_return(request, session, rt, attempt, platform, code=code, error=error)
    if attempt.status == TAKING_BACK:  # deleting a post after the release (take_back_pages.py)
        return take_back_return(request, session, rt, attempt, platform, code=code, error=error)
    campaign = session.get(Campaign, attempt.campaign_id)
    assert campaign is not None
    with back_to(campaign.slug):
        if attempt.platform != platform:
            raise PledgeRefused("This sign-in link is not valid", "The platform does not match.")
        if error or not code:
            session.delete(attempt)
            return message_page(
                request,
                "No pledge was made",
                f"You did not allow amplifier to post for you on {platform_site(platform)}, "
                "so nothing was recorded. You can change your mind from the campaign page.",
                400,
                back_url=campaign_path(campaign.slug),
            )
        try:
            adapter = rt.connectors.for_platform(session, attempt.platform, attempt.instance_url)
        except (PlatformUnavailable, ValueError) as exc:
            raise PledgeRefused(
                "This platform cannot be reached",
                f"{exc} Nothing was recorded; you can start again from the campaign page.",
                kind=Unavailable,
            ) from exc
        ensure_trusted(platform, adapter, request.query_params, "Nothing was recorded.")
        authorize_attempt(
            session,
            attempt=attempt,
            code=code,
            adapter=adapter,
            redirect_uri=rt.connectors.redirect_uri(platform),
            cipher=rt.cipher,
        )
        if account_choice_pages.chooses_account(platform):  # a Page, a blog: which one posts
            return account_choice_pages.choice_page(request, session, rt, campaign, attempt)
    return consent_after_choice(request, rt, session, campaign, attempt)


def consent_after_choice(
    request: Request, rt: Runtime, session: Session, campaign: Campaign, attempt: OAuthAttempt
) -> HTMLResponse:
    """The consent page for an authorized attempt (its account connected, or chosen)."""
    return _consent_page(
        request, campaign, attempt, limit=_attempt_limit(rt, session, campaign, attempt)
    )


def _attempt_limit(
    rt: Runtime, session: Session, campaign: Campaign, attempt: OAuthAttempt
) -> PlatformLimit | None:
    return platform_limit(rt, session, campaign, attempt.platform, attempt.instance_url)


def _consent_page(
    request: Request,
    campaign: Campaign,
    attempt: OAuthAttempt,
    status_code: int = 200,
    *,
    limit: PlatformLimit | None,
    personal_text: str | None = None,
    problems: list[str] | None = None,
    changed: bool = False,
) -> HTMLResponse:
    """The exact text to agree to; shown again, with the reason, when an answer is refused.

    After `changed` (the owner edited the message meanwhile), the supporter's own wording, if
    they wrote one, stays in the box: the new message is shown above it for reference.
    """
    return page(
        request,
        "consent.html",
        status_code,
        campaign=campaign,
        attempt=attempt,
        platform_label=platform_site(attempt.platform),
        platform_max_text=declaration(attempt.platform).max_text,  # how it counts (emoji…)
        problems=problems or [],
        changed=changed,
        distinct_note=distinct_note(campaign, attempt.platform, request.app.state.runtime),
        **consent_fields(campaign, personal_text=personal_text, platform_limit=limit),
    )


@router.get("/pledge/confirm", response_class=HTMLResponse)
def confirm_by_get(request: Request) -> HTMLResponse:
    """The confirmation is the consent form's answer; reached any other way, say where to start."""
    return message_page(
        request,
        "Start from the campaign page",
        "This address only records a pledge sent from the page that shows the exact text to "
        "post. Open the campaign's signup link, choose your platform and confirm there; "
        "nothing was recorded.",
        405,
        back_url="/",
        back_label="What is amplifier?",
        headers={"Allow": "POST"},
    )


@router.post("/pledge/confirm", response_class=HTMLResponse)
def confirm(
    request: Request,
    state: Annotated[str, Form(max_length=100)],
    session: SessionDep,
    rt: RuntimeDep,
    contact: SupporterContactDep,
    amp_browser: Annotated[str | None, Cookie()] = None,
    version: Annotated[str, Form(max_length=20)] = "",
    message_digest: Annotated[str, Form(max_length=100)] = "",
    personal_text: Annotated[str | None, Form(max_length=PERSONAL_FIELD_MAX)] = None,
) -> HTMLResponse:
    """Records the pledge only with the text the page showed (or the supporter's own wording)."""
    now = utcnow()
    attempt = _attempt(session, state=state, browser=amp_browser)
    campaign = session.get(Campaign, attempt.campaign_id)
    assert campaign is not None
    with back_to(campaign.slug):
        consented: ConsentedText | None = None
        if attempt.status == "authorized":  # a repeated submission just finds its pledge
            ensure_open(campaign, now)
            try:
                contact.check()
                consented = consented_text(
                    campaign,
                    version=shown_version(version),
                    digest=message_digest,
                    personal_text=personal_text,
                    text_rules=text_rules(rt, session, attempt.platform, attempt.instance_url),
                )
            except MessageChanged:
                return _consent_page(
                    request,
                    campaign,
                    attempt,
                    409,
                    limit=_attempt_limit(rt, session, campaign, attempt),
                    personal_text=own_wording(campaign, personal_text, version, message_digest),
                    changed=True,
                )
            except PersonalTextRefused as exc:
                return _consent_page(
                    request,
                    campaign,
                    attempt,
                    422,
                    limit=_attempt_limit(rt, session, campaign, attempt),
                    personal_text=personal_text,
                    problems=exc.problems,
                )
            too_close = consent_similarity.refusal(
                session, campaign, attempt.platform, consented.text, rt.settings
            )
            if too_close:  # the platform forbids similar posts: nothing recorded, text kept
                return _consent_page(
                    request,
                    campaign,
                    attempt,
                    422,
                    limit=_attempt_limit(rt, session, campaign, attempt),
                    personal_text=personal_text if personal_text is not None else consented.text,
                    problems=too_close,
                )
        try:
            pledge = confirm_pledge(
                session,
                attempt=attempt,
                campaign=campaign,
                now=now,
                text=consented.text if consented else None,
                version=consented.version if consented else None,
                personalised=consented.personalised if consented else False,
            )
        except AlreadyPledged as exc:
            if not exc.made_here:  # a stranger's browser: no link to that pledge
                raise
            raise RefusedWithBackLink(
                exc.title,
                exc.message,
                kind=exc.kind,
                back_url=manage_path(rt, exc.pledge_id),
                back_label="Open your pledge",
            ) from exc
        record_contact(session, pledge, campaign, contact, now)
        consent_similarity.remember(session, pledge, campaign, rt.settings)
    assert pledge.id is not None
    return page(
        request,
        "confirmed.html",
        campaign=campaign,
        pledge=pledge,
        manage_url=rt.settings.public_url.rstrip("/") + manage_path(rt, pledge.id),
    )
