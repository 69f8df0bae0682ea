"""Small factories: an owner with a token, a campaign payload, a campaign, a real-token pledge."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from sqlmodel import Session

from amplifier.campaigns.lifecycle import create_campaign
from amplifier.campaigns.rules import CampaignCreate
from amplifier.models import Campaign, CampaignStatus, Pledge
from amplifier.owners.api_tokens import NewOwner, create_owner
from amplifier.platforms.base import PlatformAdapter
from amplifier.pledges.pledging import store_tokens
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow


def owner(session: Session, name: str = "Owner") -> NewOwner:
    return create_owner(session, name=name)


def payload(**overrides: Any) -> dict[str, Any]:
    now = utcnow()
    data: dict[str, Any] = {
        "title": "Save the river",
        "story": "The river needs us.",
        "message_text": "Protect our river today #River",
        "link": "https://example.org/river",
        "goal": 2,
        "pledge_deadline": (now + timedelta(hours=1)).isoformat(),
        "release_at": (now + timedelta(hours=2)).isoformat(),
        "platforms": ["x", "mastodon"],
    }
    data.update(overrides)
    return data


def campaign(
    session: Session,
    owner_id: int,
    *,
    deadline: datetime | None = None,
    release: datetime | None = None,
    approved: bool = True,
    **overrides: Any,
) -> Campaign:
    """A campaign; times in the past are written after validation, as time passing would.

    Approved at creation unless `approved=False` (then pending review), like the test settings.
    """
    now = utcnow()
    data = CampaignCreate.model_validate(payload(**overrides))
    row = create_campaign(
        session,
        owner_id=owner_id,
        data=data,
        enabled_platforms=["x", "mastodon"],
        auto_approve=approved,
    )
    if deadline is not None:
        row.pledge_deadline = deadline
    if release is not None:
        row.release_at = release
    if deadline is not None and deadline <= now:
        row.status = CampaignStatus.OPEN
    session.add(row)
    session.flush()
    return row


def consent_on_sandbox(authorize_url: str, username: str, followers: int = 100) -> dict[str, str]:
    """Approve on the sandbox's consent screen as `username`; returns the callback's query."""
    answer = requests.post(
        authorize_url,
        data={"username": username, "followers": str(followers), "decision": "approve"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code in (302, 303), answer.text
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    return {k: v[0] for k, v in query.items()}


def pledge_with_real_tokens(
    rt: Runtime,
    session: Session,
    campaign_row: Campaign,
    *,
    platform: str,
    username: str,
    followers: int = 100,
) -> Pledge:
    """A pledge whose tokens come from the sandbox's real OAuth endpoints."""
    instance = rt.connectors.suggested_host("mastodon") if platform == "mastodon" else ""
    adapter: PlatformAdapter = rt.connectors.for_platform(session, platform, instance)
    redirect_uri = rt.connectors.redirect_uri(platform)
    request = adapter.authorization_request(redirect_uri=redirect_uri, state=f"s-{username}")
    query = consent_on_sandbox(request.url, username, followers)
    tokens = adapter.exchange_code(
        code=query["code"], redirect_uri=redirect_uri, code_verifier=request.code_verifier
    )
    profile = adapter.profile(tokens)
    assert campaign_row.id is not None
    row = Pledge(
        campaign_id=campaign_row.id,
        platform=platform,
        instance_url=instance,
        account_id=profile.account_id,
        handle=profile.handle,
        followers=profile.followers,
        post_text=campaign_row.post_text(),
    )
    store_tokens(row, tokens, rt.cipher)
    session.add(row)
    session.flush()
    return row


def form_browser(rt: Runtime) -> tuple[requests.Session, dict[str, str]]:
    """A browser holding a CSRF cookie, and the hidden field its pages' forms would carry.

    For tests that post a form without first loading a page that shows it (a closed campaign
    shows none); a real browser gets both from any page with a form.
    """
    from amplifier.web.security.csrf import COOKIE, token_for

    secret = secrets.token_urlsafe(32)
    browser = requests.Session()
    browser.cookies.set(COOKIE, secret)
    return browser, {"csrf": token_for(rt.settings.signing_secret(), secret)}
