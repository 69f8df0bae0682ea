"""Pledges: with real tokens from the sandbox's OAuth, or written directly when tokens are moot."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import requests
from sqlmodel import Session

from amplifier.models import Campaign, Pledge
from amplifier.platforms.base import PlatformAdapter
from amplifier.pledges.pledging import store_tokens
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow


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


def add_pledge(session: Session, campaign: Campaign, n: int = 0) -> int:
    """A pledge written directly (no tokens): enough for the manage page and withdrawal."""
    assert campaign.id is not None
    row = Pledge(
        campaign_id=campaign.id,
        platform="x",
        account_id=f"acct-{n}-{uuid.uuid4().hex[:6]}",
        handle=f"@person{n}",
        followers=10,
        post_text=campaign.post_text(),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def pledge_with_email(
    session: Session,
    campaign: Campaign,
    email: str,
    *,
    receipts: bool = True,
    updates: bool = True,
    n: int = 0,
) -> Pledge:
    """A consented pledge (no tokens) whose supporter gave an address and these opt-ins."""
    assert campaign.id is not None
    row = Pledge(
        campaign_id=campaign.id,
        platform="x",
        account_id=f"acct-{n}-{uuid.uuid4().hex[:6]}",
        handle=f"@person{n}",
        followers=10,
        post_text=campaign.post_text(),
        consented_version=campaign.message_version,
        consented_at=utcnow(),
        email=email,
        email_receipts=receipts,
        email_updates=updates,
    )
    session.add(row)
    session.flush()
    return row
