"""The public page's small addresses: the favicon, the release time as a calendar file, and the
share link of a platform whose accounts live on a server the supporter names.

`GET /c/{slug}/release.ics` is one VEVENT (RFC 5545) at the release time, in UTC, made with the
icalendar package: its UID is stable per campaign, so importing it again updates the event
rather than adding a second one. `GET /c/{slug}/share/{platform}?host=…` sends the browser to
that server's share page with the campaign's title and address filled in; an address that does
not look like a server comes back on the campaign page, next to the field, with what was typed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from icalendar import Calendar, Event

from amplifier.models import Campaign
from amplifier.platforms.registry import PLATFORMS
from amplifier.timeutil import utcnow
from amplifier.web.campaign_pages import render_campaign_page
from amplifier.web.campaign_public import description, intent_href, share_text
from amplifier.web.deps import RuntimeDep, SessionDep
from amplifier.web.supporter_common import campaign_or_404, campaign_path

router = APIRouter(include_in_schema=False)
EVENT_LENGTH = timedelta(minutes=15)


@router.get("/favicon.ico")
def favicon() -> RedirectResponse:
    """Browsers and feed readers ask for /favicon.ico whatever the page says."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


def release_calendar(campaign: Campaign, page_url: str, domain: str) -> bytes:
    """The release as an iCalendar file: an event from T for 15 minutes, with the page's link."""
    calendar = Calendar()
    calendar.add("prodid", "-//amplifier//release time//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"release-{campaign.slug}@{domain}")
    event.add("dtstamp", utcnow())
    event.add("dtstart", campaign.release_at)
    event.add("dtend", campaign.release_at + EVENT_LENGTH)
    event.add("summary", f"Release: {campaign.title}")
    event.add("description", f"{description(campaign)}\n\n{page_url}")
    event.add("url", page_url)
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


@router.get("/c/{slug}/release.ics")
def release_ics(slug: str, session: SessionDep, rt: RuntimeDep) -> Response:
    campaign = campaign_or_404(session, slug)
    base = rt.settings.public_url.rstrip("/")
    domain = base.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "amplifier"
    body = release_calendar(campaign, base + campaign_path(campaign.slug), domain)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{campaign.slug}-release.ics"'},
    )


@router.get("/c/{slug}/share/{platform}", response_class=HTMLResponse)
def share_on_named_server(
    request: Request,
    slug: str,
    platform: str,
    session: SessionDep,
    rt: RuntimeDep,
    host: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    campaign = campaign_or_404(session, slug)
    decl = PLATFORMS.get(platform)
    if decl is None or decl.share_intent is None:
        return RedirectResponse(campaign_path(campaign.slug), status_code=303)
    page_url = rt.settings.public_url.rstrip("/") + campaign_path(campaign.slug)
    try:
        if not host.strip():
            raise ValueError(decl.connect.missing or "type your server's address")
        base = decl.normalise_host(host, decl.settings_of(rt.settings))
    except ValueError as exc:
        return render_campaign_page(
            request,
            session,
            rt,
            campaign,
            422,
            share_error=(platform, host, f"That server address does not look right: {exc}"),
        )
    return RedirectResponse(
        intent_href(decl.share_intent, share_text(campaign, page_url), base), status_code=303
    )
