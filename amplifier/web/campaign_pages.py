"""A campaign's public page and the start of a pledge (the platform's sign-in is next).

The page tells where the campaign stands in the one sentence `campaign_state` gives every page,
and keeps telling it: `live-state.js` polls the campaign's state endpoint (`live_state`) and
swaps the sentence, the counts and the countdown; without JavaScript the page is true when
loaded. A Mastodon server address that cannot be used comes back on this page, next to the
field, with what was typed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from amplifier.campaigns.lifecycle import awaiting_reconsent
from amplifier.campaigns.moderation import is_suspended
from amplifier.crypto import new_secret, plausible_secret
from amplifier.errors import Conflict, Refused, Unavailable
from amplifier.models import Campaign
from amplifier.platforms.declaration import ConnectAsks
from amplifier.platforms.registry import declaration
from amplifier.pledges.connectors import HostUnreachable, PlatformUnavailable
from amplifier.pledges.pledging import PledgeRefused, start_attempt
from amplifier.release import intents
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.campaign_public import (
    FAQ,
    description,
    organiser,
    sample_posts,
    share_links,
)
from amplifier.web.consent_forms import connect_field, consent_fields
from amplifier.web.deps import RuntimeDep, SessionDep
from amplifier.web.live_state import load_state, release_now, without_js_refresh
from amplifier.web.page_cache import SharedPage, page_cache, shared
from amplifier.web.posting_words import mode_lines
from amplifier.web.rendering import page, platform_label, platform_labels
from amplifier.web.supporter_common import (
    back_to,
    campaign_or_404,
    campaign_path,
    set_browser_cookie,
)

router = APIRouter(include_in_schema=False)


class InstanceProblem(Exception):
    """The Mastodon server field cannot be used: told next to the field (HTTP `status`)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def render_campaign_page(
    request: Request,
    session: Session,
    rt: Runtime,
    campaign: Campaign,
    status_code: int = 200,
    *,
    instance: str | None = None,
    instance_error: str | None = None,
    instance_platform: str = "",
    intent_email: str = "",
    intent_error: str | None = None,
    share_error: tuple[str, str, str] | None = None,
) -> HTMLResponse:
    """The page; `share_error` is (platform, what was typed, the reason) for a share link's
    server field that could not be used; `instance`/`instance_error` belong to the pledge
    form of `instance_platform` only."""
    assert campaign.id is not None
    now = utcnow()
    state, counts = load_state(session, rt, campaign, for_owner=False, now=now)
    page_url = rt.settings.public_url.rstrip("/") + campaign_path(campaign.slug)
    suggested = {p: rt.connectors.suggested_host(p) for p in rt.connectors.enabled_platforms()}
    return page(
        request,
        "campaign.html",
        status_code,
        campaign=campaign,
        state=state,
        counts=counts,
        state_url=f"{campaign_path(campaign.slug)}/state",
        release=release_now(session, campaign, state, now, public=True),
        refresh_without_js=without_js_refresh(state),
        awaiting_reconsent=awaiting_reconsent(session, campaign.id),
        platforms=[(p, platform_label(p), connect_field(rt, p)) for p in campaign.platform_list],
        enabled=rt.connectors.enabled_platforms(),
        instance=instance,  # what was typed, kept when refused; else the field's suggestion
        instance_error=instance_error,
        instance_platform=instance_platform,  # only that platform's field keeps text and error
        modes=mode_lines(campaign, rt),  # what happens on each platform (posting_words.py)
        intent=set(intents.intent_platforms(campaign)),
        intent_email=intent_email,
        intent_error=intent_error,
        **consent_fields(campaign),
        page_url=page_url,
        description=description(campaign),
        organiser=organiser(session, campaign),
        share_links=share_links(campaign, page_url, suggested),
        shareable=not is_suspended(campaign),  # a suspended campaign is not promoted
        share_error=share_error,
        faq=FAQ,
        samples=sample_posts(session, campaign) if state.phase.value == "released" else [],
    )


@router.get("/c/{slug}", response_class=HTMLResponse)
async def campaign_page(request: Request, slug: str, rt: RuntimeDep) -> Response:
    """The page, from the per-process page cache (web/page_cache.py), answered on the event
    loop; one visitor at a time renders a new copy (in a thread: it asks the database) while
    the others get the copy being replaced."""
    cache = page_cache(request)
    cached, render = cache.get_or_refresh(slug)
    if render:
        try:
            cached = await run_in_threadpool(_render_shared, request, slug, rt)
        except BaseException:
            cache.refreshed(slug, failed=True)
            raise
        cache.refreshed(slug)
    assert cached is not None
    return cached.answer(request, cache.ttl_s)


def _render_shared(request: Request, slug: str, rt: Runtime) -> SharedPage:
    cache = page_cache(request)
    with rt.db.session() as session:
        campaign = campaign_or_404(session, slug)
        rendered = render_campaign_page(request, session, rt, campaign)
    cache.know_slug(slug, campaign.slug)
    return cache.put(slug, shared(request, rendered))


@router.get("/c/{slug}/pledge")
async def start_pledge_by_get(request: Request, slug: str, rt: RuntimeDep) -> Response:
    """A pledge starts from the campaign page's form; a reloaded address goes back there
    (without asking the database when the slug was found less than a cache period ago; past
    that, one visitor asks while the others are sent where it was)."""
    cache = page_cache(request)
    known, look_up = cache.slug_or_refresh(slug)
    if look_up:
        try:
            known = await run_in_threadpool(_find_slug, request, slug, rt)
        except BaseException:
            cache.slug_refreshed(slug, failed=True)
            raise
        cache.slug_refreshed(slug)
    assert known is not None
    return RedirectResponse(campaign_path(known), status_code=303)


def _find_slug(request: Request, slug: str, rt: Runtime) -> str:
    with rt.db.session() as session:
        found = campaign_or_404(session, slug).slug
    page_cache(request).know_slug(slug, found)
    return found


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
    campaign = campaign_or_404(session, slug)
    with back_to(campaign.slug):
        try:
            return _start_pledge(session, rt, campaign, platform, instance, amp_browser)
        except InstanceProblem as exc:
            return render_campaign_page(
                request,
                session,
                rt,
                campaign,
                exc.status,
                instance=instance,
                instance_error=exc.message,
                instance_platform=platform,
            )


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
            kind=Refused,
        )
    if intents.is_intent(campaign, platform):  # no sign-in: the page's email form instead
        raise PledgeRefused(
            "No sign-in needed",
            f"This campaign posts nothing for you on {platform_label(platform)}: give your "
            "email address in the form on the campaign page, and at the release time you are "
            "mailed a link to post the text yourself.",
            kind=Conflict,
        )
    instance_url = ""
    step = declaration(platform).connect
    asks_host = step.asks is not ConnectAsks.NOTHING  # the supporter names their server
    try:
        if asks_host:
            if not instance.strip():
                raise InstanceProblem(step.missing, 422)
            instance_url = rt.connectors.normalise_host(platform, instance)
        adapter = rt.connectors.for_platform(session, platform, instance_url)
    except ValueError as exc:
        if step.asks is ConnectAsks.HANDLE:  # the resolver's sentence says what went wrong
            raise InstanceProblem(str(exc), 422) from exc
        raise InstanceProblem(f"That server address does not look right: {exc}", 422) from exc
    except HostUnreachable as exc:  # the server the supporter typed: theirs to check
        raise InstanceProblem(str(exc), 422) from exc
    except PlatformUnavailable as exc:
        if asks_host:
            raise InstanceProblem(f"This server cannot be reached: {exc}", 502) from exc
        raise PledgeRefused("This platform cannot be reached", str(exc), kind=Unavailable) from exc
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
    set_browser_cookie(response, rt, browser)
    return response
