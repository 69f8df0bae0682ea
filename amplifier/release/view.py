"""The live release view: posts landing as they land, for the owner's page and the public one.

Built on the same snapshot `amplifier watch` draws (`progress.take_snapshot`), plus what a page
shows that a terminal line does not: the counts by platform, the rate over the last few seconds
(computed from the posts' own times, so a page that polls needs no state between two polls) and
the latest posts' links. Four small queries, made only while a release is near, under way or
just done; the public view (`public=True`) leaves out who posted and keeps the counts, the rate
and "1,204 of 1,250 posts are out".

Shape of `LiveRelease.as_json()` (times in ms from the release time T)::

    {"total": 1250, "posted": 1204, "failed": 3, "unconfirmed": 0, "pending": 43,
     "sending": 40, "summary": "1,204 of 1,250 posts are out", "counts_words": "posted 1,204 · …",
     "rate_words": "412.5 posts/s now · …", "rate_now": 412.5 | null,
     "rate_since_t": 380.2 | null, "latest_offset_ms": 3120.0 | null,
     "by_platform": [{"platform": "<name>", "label": "<label>", "posted": 700, "failed": 3, …}],
     "latest": [{"handle": "@ann", "label": "<label>", "url": "https://…", "offset": "+153 ms"}]}

`latest` is empty in the public view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from amplifier.links import web_link
from amplifier.models import Delivery, DeliveryStatus, Pledge
from amplifier.platforms.registry import label
from amplifier.release.progress import Snapshot, take_snapshot

RATE_WINDOW_S = 3.0  # "posts per second now" counts the posts confirmed in this many seconds
LATEST = 8  # links the owner's view lists


@dataclass(frozen=True)
class PlatformCounts:
    platform: str
    label: str
    posted: int = 0
    failed: int = 0
    unconfirmed: int = 0
    pending: int = 0  # waiting or being sent


@dataclass(frozen=True)
class LatestPost:
    handle: str
    label: str  # the platform's label
    url: str | None  # an http(s) link, or None when the platform gave none we may show
    offset: str  # "+153 ms"


@dataclass(frozen=True)
class LiveRelease:
    snapshot: Snapshot
    rate_now: float | None  # posts per second over the last RATE_WINDOW_S
    by_platform: list[PlatformCounts] = field(default_factory=list)
    latest: list[LatestPost] = field(default_factory=list)

    @property
    def summary(self) -> str:
        snap = self.snapshot
        verb = "is" if snap.posted == 1 else "are"
        return f"{snap.posted:,} of {snap.total:,} posts {verb} out"

    @property
    def counts_words(self) -> str:
        """ "posted 1,204 · could not be posted 3 · not confirmed 0 · waiting 43"."""
        snap = self.snapshot
        words = [f"posted {snap.posted:,}", f"could not be posted {snap.failed:,}"]
        if snap.unconfirmed:
            words.append(f"not confirmed by the platform {snap.unconfirmed:,}")
        words.append(f"waiting {snap.pending:,}")
        return " · ".join(words)

    @property
    def rate_words(self) -> str:
        """ "412 posts/s now · 380 posts/s since T · latest post at T+3,120 ms"."""
        snap = self.snapshot
        words = []
        if self.rate_now and not snap.finished:  # once released, "now" is nothing
            words.append(f"{self.rate_now:,.1f} posts/s now")
        if snap.average_rate is not None:
            words.append(f"{snap.average_rate:,.1f} posts/s since T")
        offset = snap.latest_offset_ms
        if offset is not None:
            words.append(f"latest post at T{offset_words(offset)}")
        return " · ".join(words) or "no post has gone out yet"

    def as_json(self) -> dict[str, Any]:
        snap = self.snapshot
        return {
            "total": snap.total,
            "posted": snap.posted,
            "failed": snap.failed,
            "unconfirmed": snap.unconfirmed,
            "pending": snap.pending,
            "sending": snap.sending,
            "summary": self.summary,
            "counts_words": self.counts_words,
            "rate_words": self.rate_words,
            "rate_now": _round(self.rate_now),
            "rate_since_t": _round(snap.average_rate),
            "latest_offset_ms": _round(snap.latest_offset_ms),
            "by_platform": [vars(p) for p in self.by_platform],
            "latest": [vars(p) for p in self.latest],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def offset_words(ms: float) -> str:
    """ "+153 ms", "+2,410 ms": how long after T a post was confirmed."""
    return f"{'+' if ms >= 0 else '-'}{abs(ms):,.0f} ms"


def live_release(
    session: Session, campaign_id: int, *, now: datetime, public: bool = False
) -> LiveRelease | None:
    """The release of `campaign_id` as it stands at `now` (aware UTC), or None if no campaign."""
    snap = take_snapshot(session, campaign_id)
    if snap is None:
        return None
    return LiveRelease(
        snapshot=snap,
        rate_now=_rate_now(session, campaign_id, now),
        by_platform=_by_platform(session, campaign_id),
        latest=[] if public else _latest(session, campaign_id, snap),
    )


def _rate_now(session: Session, campaign_id: int, now: datetime) -> float | None:
    since = now - timedelta(seconds=RATE_WINDOW_S)
    recent = session.exec(
        select(sa.func.count(col(Delivery.id))).where(
            Delivery.campaign_id == campaign_id,
            Delivery.status == DeliveryStatus.POSTED,
            col(Delivery.finished_at) > since,
        )
    ).one()
    return int(recent) / RATE_WINDOW_S


def _by_platform(session: Session, campaign_id: int) -> list[PlatformCounts]:
    rows = session.exec(
        select(Pledge.platform, Delivery.status, sa.func.count(col(Delivery.id)))
        .join(Pledge, col(Pledge.id) == col(Delivery.pledge_id))
        .where(Delivery.campaign_id == campaign_id)
        .group_by(col(Pledge.platform), col(Delivery.status))
    ).all()
    table: dict[str, dict[str, int]] = {}
    for platform, status, n in rows:
        kind = status if status in ("posted", "failed", "unconfirmed") else "pending"
        counts = table.setdefault(platform, {})
        counts[kind] = counts.get(kind, 0) + int(n)
    return [PlatformCounts(p, label(p), **table[p]) for p in sorted(table)]


def _latest(session: Session, campaign_id: int, snap: Snapshot) -> list[LatestPost]:
    rows = session.exec(
        select(Delivery, Pledge)
        .join(Pledge, col(Pledge.id) == col(Delivery.pledge_id))
        .where(Delivery.campaign_id == campaign_id, Delivery.status == DeliveryStatus.POSTED)
        .order_by(col(Delivery.finished_at).desc(), col(Delivery.id).desc())
        .limit(LATEST)
    ).all()
    latest = []
    for delivery, pledge in rows:
        assert delivery.finished_at is not None
        ms = (delivery.finished_at - snap.release_at).total_seconds() * 1000
        url = web_link(delivery.remote_url)
        latest.append(LatestPost(pledge.handle, label(pledge.platform), url, offset_words(ms)))
    return latest
