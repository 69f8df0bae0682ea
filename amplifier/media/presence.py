"""Whether a campaign's message carries an image, without reading its bytes.

Why apart from attach.py: the capacity warnings (campaigns/rules.py) and the preflight
(notify/preflight.py) ask it, and attach.py stands above both (it notifies supporters).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from amplifier.models import CampaignImage


def has_image(session: Session, campaign_id: int, version: int) -> bool:
    """Whether message `version` of the campaign has an image (attach.py's rows: the greatest
    `from_version` at or below it; one without a `storage_key` removed the image)."""
    key = session.exec(
        select(CampaignImage.storage_key)
        .where(CampaignImage.campaign_id == campaign_id, CampaignImage.from_version <= version)
        .order_by(col(CampaignImage.from_version).desc())
        .limit(1)
    ).first()
    return bool(key)
