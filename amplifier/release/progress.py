"""A release's progress at one instant, from the database: what `amplifier watch` draws in the
terminal and the owner's and public pages show as the live release view (`release/view.py`).

One cheap read per snapshot (the campaign row, one grouped count of its deliveries, the first and
latest post times), so thousands of watchers or a 4-per-second terminal refresh cost little
while the posts go out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from amplifier.campaigns.lifecycle import support
from amplifier.models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from amplifier.timeutil import utcnow

FINAL_STATUSES = frozenset(
    {CampaignStatus.RELEASED, CampaignStatus.FAILED, CampaignStatus.CANCELLED}
)


@dataclass(frozen=True)
class Snapshot:
    """What the database says about one campaign's release at one instant."""

    campaign_id: int
    title: str
    status: str
    goal: int
    pledge_deadline: datetime
    release_at: datetime
    supporters: int
    deliveries: int  # rows made for the release (0 until it is prepared)
    posted: int
    failed: int
    unconfirmed: int
    sending: int
    first_post_at: datetime | None
    latest_post_at: datetime | None
    taken_at: datetime

    @property
    def total(self) -> int:
        """The posts this release will attempt: its rows once made, the active pledges before."""
        return self.deliveries or self.supporters

    @property
    def done(self) -> int:
        return self.posted + self.failed + self.unconfirmed

    @property
    def pending(self) -> int:
        """Not settled yet: waiting to be claimed or being sent."""
        return max(0, self.total - self.done)

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def latest_offset_ms(self) -> float | None:
        if self.latest_post_at is None:
            return None
        return (self.latest_post_at - self.release_at).total_seconds() * 1000

    @property
    def average_rate(self) -> float | None:
        """Posts per second from T to the latest post."""
        if self.latest_post_at is None or self.posted == 0:
            return None
        start = min(self.release_at, self.first_post_at or self.release_at)
        elapsed = (self.latest_post_at - start).total_seconds()
        return self.posted / elapsed if elapsed > 0 else None


def take_snapshot(session: Session, campaign_id: int) -> Snapshot | None:
    """One cheap read: the campaign row, a grouped count of its deliveries, the post times."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    counts: dict[str, int] = {
        status: int(n)
        for status, n in session.exec(
            select(Delivery.status, sa.func.count(col(Delivery.id)))
            .where(Delivery.campaign_id == campaign_id)
            .group_by(col(Delivery.status))
        ).all()
    }
    first, latest = session.exec(
        select(
            sa.func.min(col(Delivery.finished_at)), sa.func.max(col(Delivery.finished_at))
        ).where(Delivery.campaign_id == campaign_id, Delivery.status == DeliveryStatus.POSTED)
    ).one()
    supporters, _ = support(session, campaign_id)
    return Snapshot(
        campaign_id=campaign_id,
        title=campaign.title,
        status=campaign.status,
        goal=campaign.goal,
        pledge_deadline=campaign.pledge_deadline,
        release_at=campaign.release_at,
        supporters=supporters,
        deliveries=sum(counts.values()),
        # a post its supporter deleted after the release went out all the same
        posted=counts.get(DeliveryStatus.POSTED, 0) + counts.get(DeliveryStatus.DELETED, 0),
        failed=counts.get(DeliveryStatus.FAILED, 0),
        unconfirmed=counts.get(DeliveryStatus.UNCONFIRMED, 0),
        sending=counts.get(DeliveryStatus.SENDING, 0),
        first_post_at=_aware(first),
        latest_post_at=_aware(latest),
        taken_at=utcnow(),
    )


def _aware(value: object) -> datetime | None:
    """An aggregate's timestamp: SQLite may hand back text, PostgreSQL an aware datetime."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
