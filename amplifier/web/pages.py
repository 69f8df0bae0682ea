"""Supporter pages: the campaign page, the OAuth round trip, consent, and the manage link.

The browser that starts a pledge gets a random cookie; its digest is stored on the attempt, so the
callback and the consent form are honoured only in that browser (state alone could be replayed).

Every refusal is a page saying what happened and what to do; where the campaign is known, the page
links back to it, so a supporter is never left at a dead end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Cookie, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from amplifier.campaigns import awaiting_reconsent, support
from amplifier.connectors import PlatformUnavailable
from amplifier.consent import (
    EDITABLE,
    ConsentedText,
    MessageChanged,
    PersonalTextRefused,
    consented_text,
    is_shown_text,
    needs_reconsent,
    reconsent,
)
from amplifier.crypto import new_secret, plausible_secret, sign, verify
from amplifier.links import web_link
from amplifier.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    OAuthAttempt,
    Pledge,
    PledgeStatus,
)
from amplifier.moderation import LIVE_STATUSES, is_public, is_suspended
from amplifier.personalise import normalise
from amplifier.platforms.declaration import ConnectAsks
from amplifier.platforms.registry import declaration
from amplifier.pledges import (
    PledgeRefused,
    authorize_attempt,
    confirm_pledge,
    ensure_open,
    load_attempt,
    start_attempt,
    withdraw,
)
from amplifier.runtime import Runtime
from amplifier.supporter_data import delete_supporter_data, describe
from amplifier.timeutil import utcnow
from amplifier.web.consent_forms import (
    PERSONAL_FIELD_MAX,
    PlatformLimit,
    connect_field,
    consent_fields,
    platform_limit,
    shown_version,
    text_rules,
)
from amplifier.web.deps import MaybeWebOwner, RuntimeDep, SessionDep
from amplifier.web.rendering import (
    message_page,
    page,
    platform_label,
    platform_labels,
)
from amplifier.web.supporter_contact import SupporterContactDep, record_contact

router = APIRouter(include_in_schema=False)
BROWSER_COOKIE = "amp_browser"

# how a campaign that no longer takes withdrawals is described to its supporter
_TOO_LATE: dict[str, str] = {
    CampaignStatus.RELEASING: "being released right now",
    CampaignStatus.RELEASED: "already released",
    CampaignStatus.FAILED: "over: it did not reach its goal, so nothing is posted",
    CampaignStatus.CANCELLED: "cancelled, so nothing is posted",
}
# What the platforms send back to the callback: our own state (43 characters), an authorization
# code (X's are ~90, Mastodon's 43) and an OAuth error code; far more than that is not theirs.
_MAX_STATE, _MAX_CODE, _MAX_ERROR = 100, 2_000, 200
_MAX_PLEDGE_ID_DIGITS = 18  # below 2**63: larger numbers cannot be an id in any database


class RefusedWithBackLink(PledgeRefused):
    """A refusal shown with a link back to the campaign it concerns."""

    def __init__(self, title: str, message: str, *, status: int, back_url: str) -> None:
        super().__init__(title, message, status=status)
        self.back_url = back_url


def campaign_path(slug: str) -> str:
    return f"/c/{slug}"


@contextmanager
def _back_to(slug: str | None) -> Iterator[None]:
    """Turn a refusal raised inside into one that links back to the campaign page."""
    try:
        yield
    except RefusedWithBackLink:
        raise
    except PledgeRefused as exc:
        if slug is None:
            raise
        raise RefusedWithBackLink(
            exc.title, exc.message, status=exc.status, back_url=campaign_path(slug)
        ) from exc


def _campaign_or_404(session: Session, slug: str) -> Campaign:
    campaign = session.exec(select(Campaign).where(Campaign.slug == slug)).first()
    if campaign is None or not is_public(campaign):  # not yet approved: as if unknown
        raise PledgeRefused(
            "No such campaign",
            "Check the link you were given: no campaign has that address.",
            status=404,
        )
    return campaign


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
        with _back_to(_slug_for_state(session, state)):
            raise


async def page_of_refused_form(request: Request, form: Mapping[str, str]) -> tuple[str, str] | None:
    """Where the page holding a form refused for its CSRF token is: (url, link label)."""
    path = request.url.path
    start = re.fullmatch(r"/c/([^/]+)/pledge", path)
    if start is not None:
        return campaign_path(start.group(1)), "Back to the campaign page"
    if path.startswith("/p/"):
        return "/".join(path.split("/")[:4]), "Back to your pledge"  # /p/{id}/{signature}
    if path == "/pledge/confirm" and form.get("state"):
        rt: Runtime = request.app.state.runtime

        def lookup() -> str | None:
            with rt.db.session() as session:
                return _slug_for_state(session, form["state"][:100])

        slug = await run_in_threadpool(lookup)
        if slug is not None:
            return campaign_path(slug), "Back to the campaign page (start again there)"
    return None


def manage_path(rt: Runtime, pledge_id: int) -> str:
    return f"/p/{pledge_id}/{sign(rt.settings.signing_secret(), f'pledge:{pledge_id}')}"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, owner: MaybeWebOwner) -> HTMLResponse:
    return page(request, "home.html", 200, owner=owner)


def _posted_count(session: Session, campaign_id: int) -> int:
    count = session.exec(
        select(func.count(col(Delivery.id))).where(
            Delivery.campaign_id == campaign_id, Delivery.status == DeliveryStatus.POSTED
        )
    ).one()
    return int(count)


@router.get("/c/{slug}", response_class=HTMLResponse)
def campaign_page(request: Request, slug: str, session: SessionDep, rt: RuntimeDep) -> HTMLResponse:
    campaign = _campaign_or_404(session, slug)
    assert campaign.id is not None
    supporters, reach = support(session, campaign.id)
    now = utcnow()
    released = campaign.status in (CampaignStatus.RELEASING, CampaignStatus.RELEASED)
    return page(
        request,
        "campaign.html",
        campaign=campaign,
        supporters=supporters,
        reach=reach,
        goal_reached=supporters >= campaign.goal,
        progress=min(100, round(100 * supporters / campaign.goal)) if campaign.goal else 100,
        open=campaign.status == CampaignStatus.OPEN
        and campaign.pledge_deadline > now
        and not is_suspended(campaign),
        suspended=is_suspended(campaign),
        posted=_posted_count(session, campaign.id) if released else 0,
        awaiting_reconsent=awaiting_reconsent(session, campaign.id),
        platforms=[(p, platform_label(p), connect_field(rt, p)) for p in campaign.platform_list],
        enabled=rt.connectors.enabled_platforms(),
        deadline_iso=campaign.pledge_deadline.isoformat(),
    )


@router.get("/c/{slug}/pledge")
def start_pledge_by_get(slug: str, session: SessionDep) -> Response:
    """A pledge starts from the campaign page's form; a reloaded address goes back there."""
    campaign = _campaign_or_404(session, slug)
    return RedirectResponse(campaign_path(campaign.slug), status_code=303)


@router.post("/c/{slug}/pledge")
def start_pledge(
    request: Request,
    slug: str,
    platform: Annotated[str, Form(max_length=20)],
    session: SessionDep,
    rt: RuntimeDep,
    instance: Annotated[str, Form(max_length=300)] = "",
    amp_browser: Annotated[str | None, Cookie()] = None,
) -> Response:
    campaign = _campaign_or_404(session, slug)
    with _back_to(campaign.slug):
        return _start_pledge(session, rt, campaign, platform, instance, amp_browser)


def _start_pledge(
    session: Session,
    rt: Runtime,
    campaign: Campaign,
    platform: str,
    instance: str,
    amp_browser: str | None,
) -> Response:
    if platform not in campaign.platform_list:
        raise PledgeRefused(
            "Platform not offered",
            f"This campaign posts to {platform_labels(campaign.platform_list)} only.",
            status=400,
        )
    instance_url = ""
    try:
        step = declaration(platform).connect
        if step.asks is not ConnectAsks.NOTHING:
            if not instance.strip():
                raise PledgeRefused(step.question, step.missing, status=422)
            instance_url = rt.connectors.normalise_host(platform, instance)
        adapter = rt.connectors.for_platform(session, platform, instance_url)
    except ValueError as exc:
        raise PledgeRefused(
            "That server address does not look right", str(exc), status=422
        ) from exc
    except PlatformUnavailable as exc:
        raise PledgeRefused("This platform cannot be reached", str(exc), status=502) from exc
    browser = amp_browser if plausible_secret(amp_browser) else new_secret(24)  # ours only
    url = start_attempt(
        session,
        campaign=campaign,
        platform=platform,
        instance_url=instance_url,
        adapter=adapter,
        redirect_uri=rt.connectors.redirect_uri(platform),
        browser_nonce=browser,
        cipher=rt.cipher,
        now=utcnow(),
        ttl_s=rt.settings.oauth_attempt_ttl_s,
    )
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        BROWSER_COOKIE,
        browser,
        max_age=rt.settings.oauth_attempt_ttl_s * 4,
        httponly=True,
        samesite="lax",
        secure=rt.settings.public_url.startswith("https://"),
    )
    return response


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
    campaign = session.get(Campaign, attempt.campaign_id)
    assert campaign is not None
    with _back_to(campaign.slug):
        if attempt.platform != platform:
            raise PledgeRefused("This sign-in link is not valid", "The platform does not match.")
        if error or not code:
            session.delete(attempt)
            return message_page(
                request,
                "No pledge was made",
                f"You did not allow amplifier to post for you on {platform_label(platform)}, "
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
                status=502,
            ) from exc
        authorize_attempt(
            session,
            attempt=attempt,
            code=code,
            adapter=adapter,
            redirect_uri=rt.connectors.redirect_uri(platform),
            cipher=rt.cipher,
        )
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
        platform_label=platform_label(attempt.platform),
        problems=problems or [],
        changed=changed,
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
    with _back_to(campaign.slug):
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
                    personal_text=_own_wording(campaign, personal_text, version, message_digest),
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
        pledge = confirm_pledge(
            session,
            attempt=attempt,
            campaign=campaign,
            now=now,
            text=consented.text if consented else None,
            version=consented.version if consented else None,
            personalised=consented.personalised if consented else False,
        )
        record_contact(session, pledge, campaign, contact, now)
    assert pledge.id is not None
    return page(
        request,
        "confirmed.html",
        campaign=campaign,
        pledge=pledge,
        manage_url=rt.settings.public_url.rstrip("/") + manage_path(rt, pledge.id),
    )


def _own_wording(
    campaign: Campaign, personal_text: str | None, version: str, digest: str
) -> str | None:
    """What to put back in the box after the message changed under the supporter: their own
    wording if they wrote one (retyping it would be a loss), else None, so the box shows the new
    message. A box left as the form showed it matches the form's digest of the old message."""
    if not campaign.personalisation_allowed or personal_text is None:
        return None
    text = normalise(personal_text)
    if not text or text == campaign.post_text():
        return None
    if is_shown_text(shown_version(version), digest, personal_text):
        return None
    return personal_text


def _signed_pledge(session: Session, rt: Runtime, raw_id: str, signature: str) -> Pledge:
    pledge = None
    if raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= _MAX_PLEDGE_ID_DIGITS:
        pledge_id = int(raw_id)
        if verify(rt.settings.signing_secret(), f"pledge:{pledge_id}", signature):
            pledge = session.get(Pledge, pledge_id)
    if pledge is None:
        raise PledgeRefused(
            "This link is not valid", "Use the exact link shown when you pledged.", status=404
        )
    return pledge


def _pledge_campaign(session: Session, pledge: Pledge) -> Campaign:
    campaign = session.get(Campaign, pledge.campaign_id)
    assert campaign is not None  # a foreign key
    return campaign


def _safe_link(url: str | None) -> str | None:
    """A platform's post URL, linked only if it is an http(s) address (amplifier.links)."""
    return web_link(url)


@router.get("/p/{pledge_id}/{signature}", response_class=HTMLResponse)
def manage(
    request: Request, pledge_id: str, signature: str, session: SessionDep, rt: RuntimeDep
) -> HTMLResponse:
    pledge = _signed_pledge(session, rt, pledge_id, signature)
    campaign = _pledge_campaign(session, pledge)
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
    return page(
        request,
        "manage.html",
        status_code,
        pledge=pledge,
        campaign=campaign,
        delivery=delivery,
        post_url=_safe_link(delivery.remote_url) if delivery is not None else None,
        can_withdraw=pledge.status == PledgeStatus.ACTIVE
        and campaign.status in (CampaignStatus.OPEN, CampaignStatus.ARMED),
        action=action,
        campaign_url=campaign_path(campaign.slug),
        reconsent_needed=reconsent_needed,
        reconsent_action=f"{action}/reconsent",
        suspended=is_suspended(campaign) and campaign.status in LIVE_STATUSES,
        problems=problems or [],
        changed=changed,
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
    pledge = _signed_pledge(session, rt, pledge_id, signature)
    campaign = _pledge_campaign(session, pledge)
    manage_url = request.url.path.removesuffix("/reconsent")
    with _back_to(campaign.slug):
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
                personal_text=_own_wording(campaign, personal_text, version, message_digest),
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
    pledge = _signed_pledge(session, rt, pledge_id, signature)
    campaign = _pledge_campaign(session, pledge)
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
        described = _TOO_LATE.get(campaign.status, campaign.status)
        raise RefusedWithBackLink(
            "Too late to withdraw",
            f"This campaign is {described}; your pledge can no longer be withdrawn. "
            "Your pledge's link shows what happens to your post.",
            status=409,
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
    with _back_to(campaign.slug):
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
    pledge = _signed_pledge(session, rt, pledge_id, signature)
    campaign = _pledge_campaign(session, pledge)
    data = describe(session, pledge)
    manage_url = request.url.path.removesuffix("/data")
    return page(
        request,
        "supporter_data.html",
        data=data,
        campaign=campaign,
        post_url=_safe_link(data.outcome.url) if data.outcome is not None else None,
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
    pledge = _signed_pledge(session, rt, pledge_id, signature)
    campaign = _pledge_campaign(session, pledge)
    data_url = request.url.path.removesuffix("/delete")
    if confirm != "yes":
        return RedirectResponse(f"{data_url}?confirm=delete", status_code=303)
    with _back_to(campaign.slug):
        delete_supporter_data(session, pledge=pledge, campaign=campaign, now=utcnow())
    return RedirectResponse(data_url, status_code=303)
