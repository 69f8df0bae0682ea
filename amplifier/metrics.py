"""What the operator sees: Prometheus metrics (prometheus-client), cheap to record at T.

The release code calls the small functions below (a counter increment or a histogram
observation, labelled by platform and outcome only: no campaign, delivery or account ids as
labels, so the series stay few). What the database already knows exactly — deliveries by status
and platform, preparation progress — is counted at scrape time by `DatabaseCollector` rather
than kept in memory.

Several processes (uvicorn workers, Celery workers) record metrics, so they follow
prometheus-client's multiprocess mode
(https://prometheus.github.io/client_python/multiprocess/): every process is started with
`PROMETHEUS_MULTIPROC_DIR` naming one shared, empty, writable directory, and a scrape merges the
files found there (`scrape`). Without the variable each process counts for itself (tests, a
single `amplifier web`). The endpoint is `GET /metrics` on the web app behind the bearer token
`AMPLIFIER_METRICS_TOKEN` (`web/metrics_page.py`).

Series (all prefixed `amplifier_`):
    posts_total{platform,outcome}             answers written (posted, refused, transient, …)
    post_offset_seconds{platform}             a posted answer's time minus the release time T
    limiter_wait_seconds{platform}            time spent waiting for a limiter grant
    limiter_pauses_total{platform}            pauses set from a platform's rate-limit reset
    settlements_total{platform,result}        outcome-unknown rows settled: found / not_found
    web_request_seconds{method,route}         by route template (/c/{slug}), never the raw path
    deliveries{platform,status}               (scrape time, from the database)
    preparation_pledges{campaign,state}       active pledges and deliveries made, per campaign
                                              armed (being prepared) or releasing (scrape time)
    outbox_messages{status}                   the mail outbox's backlog (scrape time)
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from amplifier.db import Database
    from amplifier.release.outcomes import Outcome

__all__ = ["CONTENT_TYPE_LATEST", "DatabaseCollector", "scrape"]

T = TypeVar("T")

POSTS = Counter("amplifier_posts", "Answers to posts written, by outcome", ["platform", "outcome"])
OFFSET = Histogram(
    "amplifier_post_offset_seconds",
    "When a post was answered, in seconds after the release time T",
    ["platform"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 900),
)
LIMITER_WAIT = Histogram(
    "amplifier_limiter_wait_seconds",
    "Time a post waited for a place in the shared rate limits",
    ["platform"],
    buckets=(0.001, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10),
)
LIMITER_PAUSES = Counter(
    "amplifier_limiter_pauses", "Pauses set from a platform's rate-limit reset", ["platform"]
)
SETTLEMENTS = Counter(
    "amplifier_settlements",
    "Rows whose outcome was unknown, settled by looking for the post",
    ["platform", "result"],
)
WEB_LATENCY = Histogram(
    "amplifier_web_request_seconds",
    "Web request latency by route template",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


def outcome_word(outcome: Outcome) -> str:
    """The `outcome` label: "posted" or the error's kind in snake case (a handful of values)."""
    if outcome.post is not None:
        return "posted"
    name = type(outcome.error).__name__ if outcome.error is not None else "none"
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def observe_outcomes(batch: Iterable[Outcome], release_at: datetime | None) -> None:
    """Count a batch of answers as they are written; posted ones add their offset from T."""
    for o in batch:
        POSTS.labels(o.platform, outcome_word(o)).inc()
        if o.post is not None and o.at is not None and release_at is not None:
            OFFSET.labels(o.platform).observe((o.at - release_at).total_seconds())


async def limiter_wait(platform: str, waiting: Awaitable[T]) -> T:
    """Await a limiter grant, observing how long it took (also when it timed out)."""
    started = time.monotonic()
    try:
        return await waiting
    finally:
        LIMITER_WAIT.labels(platform).observe(time.monotonic() - started)


def limiter_paused(platform: str) -> None:
    LIMITER_PAUSES.labels(platform).inc()


def settled(platform: str, found: object) -> str:
    """A settling ended: `found` is the post, an Outcome to write, or None. Returns the
    `result` label: "found" (the post exists) or "not_found"."""
    result = "found" if found is not None and not hasattr(found, "claimed_by") else "not_found"
    SETTLEMENTS.labels(platform, result).inc()
    return result


def web_request(method: str, route: str, seconds: float) -> None:
    WEB_LATENCY.labels(method, route).observe(seconds)


class DatabaseCollector(Collector):
    """Counts from the database at scrape time: exact, and nothing to keep in step."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        from sqlalchemy import func
        from sqlmodel import col, select

        from amplifier.models import Campaign, CampaignStatus, Delivery, Pledge, PledgeStatus

        deliveries = GaugeMetricFamily(
            "amplifier_deliveries",
            "Delivery rows by platform and status",
            labels=["platform", "status"],
        )
        progress = GaugeMetricFamily(
            "amplifier_preparation_pledges",
            "Per campaign armed (being prepared) or releasing: active pledges and deliveries made",
            labels=["campaign", "state"],
        )
        busy = (CampaignStatus.ARMED, CampaignStatus.RELEASING)  # prepared while armed
        with self.db.session() as session:
            rows = session.exec(
                select(Pledge.platform, Delivery.status, func.count())
                .join(Pledge, col(Pledge.id) == col(Delivery.pledge_id))
                .group_by(Pledge.platform, Delivery.status)
            ).all()
            for platform, status, count in rows:
                deliveries.add_metric([platform, status], count)
            active = session.exec(
                select(Pledge.campaign_id, func.count())
                .join(Campaign, col(Campaign.id) == col(Pledge.campaign_id))
                .where(col(Campaign.status).in_(busy), Pledge.status == PledgeStatus.ACTIVE)
                .group_by(col(Pledge.campaign_id))
            ).all()
            made = session.exec(
                select(Delivery.campaign_id, func.count())
                .join(Campaign, col(Campaign.id) == col(Delivery.campaign_id))
                .where(col(Campaign.status).in_(busy))
                .group_by(col(Delivery.campaign_id))
            ).all()
        for campaign_id, count in active:
            progress.add_metric([str(campaign_id), "pledges"], count)
        for campaign_id, count in made:
            progress.add_metric([str(campaign_id), "deliveries"], count)
        yield deliveries
        yield progress
        yield self._outbox()

    def _outbox(self) -> Metric:
        from sqlalchemy import func
        from sqlmodel import col, select

        from amplifier.notify.tables import OutboxMessage

        family = GaugeMetricFamily(
            "amplifier_outbox_messages", "Mail outbox rows by status", labels=["status"]
        )
        with self.db.session() as session:
            rows = session.exec(
                select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
            ).all()
        for status, count in rows:
            family.add_metric([status], count)
        return family


def scrape(db: Database | None) -> bytes:
    """The text exposition of every process's metrics (multiprocess mode when
    PROMETHEUS_MULTIPROC_DIR is set, else this process's) plus the database's counts."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        for collector in _own_collectors():
            registry.register(collector)
    if db is not None:
        registry.register(DatabaseCollector(db))
    return generate_latest(registry)


def _own_collectors() -> Iterator[Collector]:
    yield from (POSTS, OFFSET, LIMITER_WAIT, LIMITER_PAUSES, SETTLEMENTS, WEB_LATENCY)
