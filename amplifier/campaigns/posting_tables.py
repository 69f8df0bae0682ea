"""The tables of the posting modes (platforms/posting.py): text fingerprints and intent links.

Why new tables rather than pledge columns: a pledge's text bands are many rows (one per LSH band,
`similarity.py`), looked up by an index; an intent link is a pledge's only while its platform is
in intent mode. Both are deleted with the campaign's data like the pledges they belong to.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from amplifier.models import UTCDateTime


class TextBand(SQLModel, table=True):
    """One LSH band key of a pledged text, for a platform whose texts must differ."""

    __tablename__ = "text_band"
    __table_args__ = (sa.Index("ix_text_band_lookup", "campaign_id", "platform", "band"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    platform: str = Field(max_length=20)
    pledge_id: int = Field(foreign_key="pledge.id", index=True)
    band: int = Field(sa_type=sa.BigInteger)


class IntentLink(SQLModel, table=True):
    """A supporter's one-tap link for a platform in intent mode: mailed at T, clicks counted.

    A click is a visit to our redirect, not a post: the platform never tells us whether the
    supporter then posted.
    """

    __tablename__ = "intent_link"
    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", unique=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    mailed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_clicked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    clicks: int = 0
