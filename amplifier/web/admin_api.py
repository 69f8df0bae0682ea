"""The admin API: the review queue, and approve / reject / suspend / reinstate, for admins' tokens.

Answers: 403 for a token that is not an admin's, 404 for an unknown campaign, 409 when the
campaign's state does not allow the change (the message says why), 422 for a bad reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field
from sqlmodel import Session

from amplifier.campaigns import moderation
from amplifier.campaigns.lifecycle import CampaignPublic, to_public
from amplifier.models import MAX_ID, Campaign, Owner, ReviewStatus
from amplifier.owners.admins import is_admin
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.deps import CurrentOwner, RuntimeDep, SessionDep
from amplifier.web.errors import http_error

router = APIRouter(prefix="/api/admin", tags=["admin API"])


def admin_owner(owner: CurrentOwner) -> Owner:
    if not is_admin(owner):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "this needs an admin's API token (an operator makes admins with "
            "`amplifier admin create`)",
        )
    return owner


AdminOwner = Annotated[Owner, Depends(admin_owner)]


class AdminCampaign(CampaignPublic):
    """A campaign as an admin reviews it: the owner's view, plus who owns and who reviewed it."""

    owner_id: int
    owner_name: str
    created_at: datetime
    reviewed_at: datetime | None
    reviewed_by: int | None
    suspended_at: datetime | None


class Reason(BaseModel):
    reason: str = Field(
        max_length=moderation.MAX_REASON,
        description="why: the owner reads it (rejection); admins read it (suspension)",
    )


def _view(session: Session, rt: Runtime, campaign: Campaign) -> AdminCampaign:
    public = to_public(session, campaign, public_url=rt.settings.public_url, settings=rt.settings)
    owner = session.get(Owner, campaign.owner_id)
    return AdminCampaign(
        **public.model_dump(),
        owner_id=campaign.owner_id,
        owner_name=owner.name if owner is not None else "",
        created_at=campaign.created_at,
        reviewed_at=campaign.reviewed_at,
        reviewed_by=campaign.reviewed_by,
        suspended_at=campaign.suspended_at,
    )


def _checked_id(campaign_id: int) -> int:
    if not 1 <= campaign_id <= MAX_ID:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no campaign with id {campaign_id}")
    return campaign_id


@router.get("/campaigns", response_model=list[AdminCampaign])
def campaigns(
    session: SessionDep,
    rt: RuntimeDep,
    admin: AdminOwner,
    review: ReviewStatus | None = None,
    suspended: bool | None = None,
) -> list[AdminCampaign]:
    """Every campaign (oldest first), or those with this review status / suspension."""
    if review is None:
        rows = [c for s in ReviewStatus for c in moderation.list_by_review(session, s)]
        rows.sort(key=lambda c: (c.created_at, c.id or 0))
    else:
        rows = moderation.list_by_review(session, review)
    if suspended is not None:
        rows = [c for c in rows if moderation.is_suspended(c) == suspended]
    return [_view(session, rt, c) for c in rows]


def _act(
    action: Callable[..., Campaign],
    campaign_id: int,
    session: Session,
    rt: Runtime,
    admin: Owner,
    **reason: str,
) -> AdminCampaign:
    """Run one review change as this admin; its refusal becomes the matching 4xx."""
    try:
        campaign = action(
            session,
            campaign_id=_checked_id(campaign_id),
            admin_id=admin.id,
            now=utcnow(),
            **reason,
        )
    except moderation.ModerationError as exc:
        raise http_error(exc) from exc
    return _view(session, rt, campaign)


@router.post("/campaigns/{campaign_id}/approve", response_model=AdminCampaign)
def approve(
    campaign_id: int, session: SessionDep, rt: RuntimeDep, admin: AdminOwner
) -> AdminCampaign:
    return _act(moderation.approve, campaign_id, session, rt, admin)


@router.post("/campaigns/{campaign_id}/reject", response_model=AdminCampaign)
def reject(
    campaign_id: int, body: Reason, session: SessionDep, rt: RuntimeDep, admin: AdminOwner
) -> AdminCampaign:
    return _act(moderation.reject, campaign_id, session, rt, admin, reason=body.reason)


@router.post("/campaigns/{campaign_id}/suspend", response_model=AdminCampaign)
def suspend(
    campaign_id: int, body: Reason, session: SessionDep, rt: RuntimeDep, admin: AdminOwner
) -> AdminCampaign:
    return _act(moderation.suspend, campaign_id, session, rt, admin, reason=body.reason)


@router.post("/campaigns/{campaign_id}/reinstate", response_model=AdminCampaign)
def reinstate(
    campaign_id: int, session: SessionDep, rt: RuntimeDep, admin: AdminOwner
) -> AdminCampaign:
    return _act(moderation.reinstate, campaign_id, session, rt, admin)
