"""Owners' updates to supporters through the API (mailed as a daily digest; notify/updates.py).

    POST /api/campaigns/{id}/updates  {"body": "…"}  -> 201 {id, body, created_at, mailed_at}
    GET  /api/campaigns/{id}/updates                 -> [{…}, …] oldest first
Errors: 422 for an empty, too long or control-character body; 409 once the campaign is over.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from amplifier.notify.tables import CampaignUpdate
from amplifier.notify.updates import MAX_BODY, UpdateRefused, clean_body, list_updates, post_update
from amplifier.timeutil import utcnow
from amplifier.web.deps import OwnedCampaign, SessionDep
from amplifier.web.errors import http_error

router = APIRouter(prefix="/api", tags=["owner API"])


class UpdateIn(BaseModel):
    body: str = Field(
        max_length=MAX_BODY * 2, description="plain text; blank lines part paragraphs"
    )


class UpdateOut(BaseModel):
    id: int
    body: str
    created_at: datetime
    mailed_at: datetime | None = Field(description="when it left in a digest; null: waiting")


def _out(row: CampaignUpdate) -> UpdateOut:
    assert row.id is not None
    return UpdateOut(id=row.id, body=row.body, created_at=row.created_at, mailed_at=row.mailed_at)


@router.post(
    "/campaigns/{campaign_id}/updates",
    status_code=status.HTTP_201_CREATED,
    response_model=UpdateOut,
)
def create_update(data: UpdateIn, campaign: OwnedCampaign, session: SessionDep) -> UpdateOut:
    try:
        clean_body(data.body)
        row = post_update(session, campaign, data.body, now=utcnow())
    except UpdateRefused as exc:
        raise http_error(exc) from exc
    return _out(row)


@router.get("/campaigns/{campaign_id}/updates", response_model=list[UpdateOut])
def read_updates(campaign: OwnedCampaign, session: SessionDep) -> list[UpdateOut]:
    assert campaign.id is not None
    return [_out(r) for r in list_updates(session, campaign.id)]
