"""Row ids taken from an address: anything that is not a plausible id is simply no row.

Routes take the id as text and parse it here, so `/owner/campaigns/abc` or a 40-digit number is
the same 404 page as an id nobody has, never a validation error or a database refusal.
"""

from __future__ import annotations

from fastapi import HTTPException, status
from sqlmodel import Session

from amplifier.models import MAX_ID, Campaign, Owner


def path_id(raw: str) -> int | None:
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def own_campaign(session: Session, owner: Owner, raw_id: str) -> Campaign:
    """The owner's campaign, or the 404 a missing one gets (another owner's included): its
    existence is not disclosed."""
    wanted = path_id(raw_id)
    campaign = session.get(Campaign, wanted) if wanted is not None else None
    if campaign is None or campaign.owner_id != owner.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return campaign
