"""Campaigns: an API payload, a row made through the domain's own rules, and changes to a row."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from amplifier.campaigns.lifecycle import create_campaign
from amplifier.campaigns.rules import CampaignCreate
from amplifier.models import Campaign, CampaignStatus
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from tests.factories.owners import owner


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


def new_campaign(rt: Runtime, **overrides: Any) -> Campaign:
    """A campaign of a new owner, committed in its own transaction (overrides: see `campaign`)."""
    return new_campaign_and_token(rt, **overrides)[0]


def new_campaign_and_token(rt: Runtime, **overrides: Any) -> tuple[Campaign, str]:
    """A campaign of a new owner, and that owner's API token (shown once, as at creation)."""
    with rt.db.session() as session:
        created = owner(session)
        assert created.owner.id is not None
        return campaign(session, created.owner.id, **overrides), created.token


def update_campaign(rt: Runtime, campaign_id: int | None, **values: object) -> Campaign:
    """Write columns straight onto a campaign row, as time passing or another process would."""
    with rt.db.session() as session:
        row = session.get(Campaign, campaign_id)
        assert row is not None
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)
        session.flush()
        session.expunge(row)
        return row
