"""Jinja2 templates and the helpers every supporter page shares."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from amplifier.links import web_link
from amplifier.platforms import registry
from amplifier.web.image_view import campaign_image

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

PLEDGE_STATUS_WORDS = {"active": "pledged", "withdrawn": "withdrawn"}
# Once the release has made a delivery row, its state is what the supporter wants to know.
DELIVERY_STATUS_WORDS = {
    "pending": "waiting to be sent",
    "sending": "being sent",
    "posted": "posted",
    "failed": "could not be posted",
    "unconfirmed": "not confirmed by the platform",
    "deleted": "deleted by the supporter",
}
_BLANK_LINE = re.compile(r"\n[ \t]*\n+")


def supporter_status(pledge_status: str, delivery_status: str | None) -> str:
    """The one status word a supporter sees: the post's fate once it has one, else the pledge's."""
    if delivery_status is not None and pledge_status == "active":
        return DELIVERY_STATUS_WORDS.get(delivery_status, delivery_status)
    return PLEDGE_STATUS_WORDS.get(pledge_status, pledge_status)


def platform_label(name: str) -> str:
    return registry.label(name)


def platform_site(name: str) -> str:
    """The platform as a place: "signed in on Facebook", "see it on Facebook"."""
    return registry.site(name)


def platform_labels(names: list[str]) -> str:
    """ "X", "X and Mastodon", "X, Mastodon and Bluesky"."""
    labels = [platform_label(n) for n in names]
    if len(labels) <= 1:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} and {labels[-1]}"


def paragraphs(text: str) -> list[str]:
    """The story's paragraphs: split on blank lines; single line breaks stay inside one."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return [p.strip("\n") for p in _BLANK_LINE.split(normalised) if p.strip()]


def utc_text(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def time_tag(moment: datetime) -> Markup:
    """A <time> whose UTC text the page script rewrites to the viewer's local time."""
    text = utc_text(moment)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        moment.astimezone(UTC).isoformat(), text, text
    )


def outside_href(url: str | None) -> str:
    """An address from outside (a platform's post URL) as an href: http(s), else "" (no link).
    Every href made from such an address goes through this filter (tests/web/test_links.py)."""
    return web_link(url) or ""


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 supporter", "2 supporters": pages said "1 people" and "goal 1 supporters"."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"


def thousands(count: int | None) -> str:
    """16463 -> "16,463": every count on a page, as the report's table writes it."""
    return "" if count is None else f"{count:,}"


templates.env.filters["paragraphs"] = paragraphs
templates.env.filters["plural"] = plural
templates.env.filters["thousands"] = thousands
templates.env.filters["platform_label"] = platform_label
templates.env.filters["platform_labels"] = platform_labels
templates.env.filters["utc"] = utc_text
templates.env.filters["web_link"] = outside_href
templates.env.globals["time_tag"] = time_tag
templates.env.globals["pledge_status_words"] = PLEDGE_STATUS_WORDS
templates.env.globals["supporter_status"] = supporter_status
templates.env.globals["campaign_image"] = campaign_image  # web/image_view.py


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def message_page(
    request: Request,
    title: str,
    message: str,
    status_code: int,
    *,
    back_url: str | None = None,
    back_label: str = "Back to the campaign page",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    response = page(
        request,
        "message.html",
        status_code,
        title=title,
        message=message,
        back_url=back_url,
        back_label=back_label,
    )
    if headers:
        response.headers.update(headers)
    return response
