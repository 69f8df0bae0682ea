"""The owner API's intent counts (intents.py): links mailed and clicked, never "posted"."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from amplifier.release import intents
from amplifier.web.deps import OwnedCampaign, SessionDep

router = APIRouter(prefix="/api", tags=["owner API"])


class IntentReport(BaseModel):
    pledged: int = Field(description="active pledges made by email for a platform in intent mode")
    sent: int = Field(description="one-tap links queued for the release time")
    clicked: int = Field(description="supporters who followed their link at least once")
    note: str = Field(description="why a click is not counted as a post")


@router.get("/campaigns/{campaign_id}/intents", response_model=IntentReport)
def intent_report(campaign: OwnedCampaign, session: SessionDep) -> IntentReport:
    assert campaign.id is not None
    found = intents.counts(session, campaign.id)
    return IntentReport(
        pledged=found.pledged, sent=found.sent, clicked=found.clicked, note=found.sentence()
    )
