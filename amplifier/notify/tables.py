"""The notify tables: the outbox (one row per mail, the truth) and the owners' campaign updates.

An outbox row is written in the same transaction as the event it tells about, so a rolled-back
event sends nothing and a committed one is never lost. `(recipient, dedup_key)` is unique: the
same event can never queue two mails to one address, whoever records it twice (two ticks, a
redelivered task, cron beside beat).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from amplifier.models import UTCDateTime
from amplifier.timeutil import utcnow


class MailStatus(StrEnum):
    PENDING = "pending"  # waiting to be claimed (or for `not_before`)
    SENDING = "sending"  # claimed by a mail worker; the SMTP conversation may be under way
    SENT = "sent"  # the mail server accepted it
    FAILED = "failed"  # refused for good (a permanent SMTP answer); `last_error` says why
    SUPPRESSED = "suppressed"  # the recipient unsubscribed before it left: not sent


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.UniqueConstraint("recipient", "dedup_key", name="uq_outbox_recipient_event"),
        sa.Index("ix_outbox_status_not_before", "status", "not_before"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)  # a directory under notify/templates/
    recipient: str = Field(max_length=254, index=True)
    dedup_key: str = Field(max_length=200)  # the event, e.g. "judged:12"
    context: str = Field(default="{}", sa_type=sa.Text)  # JSON: plain values, never a secret
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    pledge_id: int | None = Field(default=None, foreign_key="pledge.id", index=True)
    owner_id: int | None = Field(default=None, foreign_key="owner.id")
    status: str = Field(default=MailStatus.PENDING, max_length=20)
    attempts: int = 0
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    claimed_by: str | None = Field(default=None, max_length=100)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    last_error: str | None = Field(default=None, max_length=1_000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class CampaignUpdate(SQLModel, table=True):
    """An owner's news to supporters; mailed in a digest at most once per interval."""

    __tablename__ = "campaign_update"
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    body: str = Field(max_length=5_000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    mailed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
