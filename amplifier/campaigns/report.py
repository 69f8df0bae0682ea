"""What the owner is told of a release: each post's link or the reason it failed, and the reach.

The same report is the API's JSON, the owner page's table, the CLI's table and the CSV file;
`sorted_posts` orders it the three ways the owner page offers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from amplifier.campaigns.lifecycle import support
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
                # http(s) only, whatever was stored; none once its supporter deleted the post
                # (the link would lead to "not found")
                url=None
                if delivery.status == DeliveryStatus.DELETED
                else web_link(delivery.remote_url),
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


# the order outcomes are read in: what went out, then what did not, then what is still waiting
OUTCOME_ORDER = ("posted", "deleted", "failed", "unconfirmed", "sending", "pending")
SORT_KEYS = ("offset", "outcome", "platform")


def _outcome_rank(status: str) -> int:
    return OUTCOME_ORDER.index(status) if status in OUTCOME_ORDER else len(OUTCOME_ORDER)


_SORTS: dict[str, Callable[[PostLine], tuple[object, ...]]] = {
    # in the order the posts went out; those with no time (not posted) last
    "offset": lambda p: (p.offset_ms is None, p.offset_ms or 0.0, p.handle.lower()),
    "outcome": lambda p: (_outcome_rank(p.status), p.offset_ms is None, p.offset_ms or 0.0),
    "platform": lambda p: (p.platform, p.offset_ms is None, p.offset_ms or 0.0),
}


def sorted_posts(
    posts: list[PostLine], by: str = "offset", *, descending: bool = False
) -> list[PostLine]:
    """`posts` ordered by one of `SORT_KEYS` (an unknown key sorts by offset)."""
    return sorted(posts, key=_SORTS.get(by, _SORTS["offset"]), reverse=descending)
