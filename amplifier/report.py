"""What the owner is told of a release: each post's link or the reason it failed, and the reach."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from amplifier.campaigns import support
from amplifier.links import web_link
from amplifier.models import Campaign, Delivery, DeliveryStatus, Pledge


class PostLine(BaseModel):
    pledge_id: int
    platform: str
    handle: str
    followers: int
    status: str
    url: str | None  # the post on the platform: an http(s) URL, or None
    error: str | None
    retryable: bool
    attempts: int
    offset_ms: float | None  # when the platform confirmed the post, relative to the release time


class CampaignReport(BaseModel):
    campaign_id: int
    title: str
    status: str
    release_at: datetime
    goal: int
    supporters: int
    pledged_reach: int
    reached: int  # followers of the accounts whose post went out
    counts: dict[str, int]
    first_offset_ms: float | None
    last_offset_ms: float | None
    posts: list[PostLine]


def build_report(session: Session, campaign: Campaign) -> CampaignReport:
    assert campaign.id is not None
    supporters, pledged_reach = support(session, campaign.id)
    rows = session.exec(
        select(Delivery, Pledge)
        .join(Pledge, col(Pledge.id) == col(Delivery.pledge_id))
        .where(Delivery.campaign_id == campaign.id)
        .order_by(col(Delivery.id))
    ).all()
    posts = []
    for delivery, pledge in rows:
        offset = None
        if delivery.status == DeliveryStatus.POSTED and delivery.finished_at is not None:
            offset = (delivery.finished_at - campaign.release_at).total_seconds() * 1000
        assert pledge.id is not None
        posts.append(
            PostLine(
                pledge_id=pledge.id,
                platform=pledge.platform,
                handle=pledge.handle,
                followers=pledge.followers,
                status=delivery.status,
                url=web_link(delivery.remote_url),  # http(s) only, whatever was stored
                error=delivery.error,
                retryable=delivery.retryable,
                attempts=delivery.attempts,
                offset_ms=None if offset is None else round(offset, 1),
            )
        )
    offsets = [p.offset_ms for p in posts if p.offset_ms is not None]
    return CampaignReport(
        campaign_id=campaign.id,
        title=campaign.title,
        status=campaign.status,
        release_at=campaign.release_at,
        goal=campaign.goal,
        supporters=supporters,
        pledged_reach=pledged_reach,
        reached=sum(p.followers for p in posts if p.status == DeliveryStatus.POSTED),
        counts=dict(Counter(p.status for p in posts)),
        first_offset_ms=min(offsets) if offsets else None,
        last_offset_ms=max(offsets) if offsets else None,
        posts=posts,
    )
