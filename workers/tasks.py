"""Thin tasks: take plain IDs, call the domain through the process's Runtime, hold no logic.

    tick (beat, every second)   judge deadlines; lease campaigns due within the prepare lead
    preflight (beat, every 30 s) check pledges' connections within the preflight lead
    prepare_release(id)         cut the rows into pages, queue more preparers, prepare pages
    prepare_pages(id)           prepare pages beside the others until none is left
                                (whoever stamps the campaign prepared queues the firers)
    fire_campaign(id)           wait for T on the reference clock, post concurrently

All of them are safe to run twice or to be redelivered: leases and per-row claims in the
database decide who does the work, the messages only wake workers up.
"""

from __future__ import annotations

import logging

from amplifier.runtime import get_runtime
from workers.celery_app import app

log = logging.getLogger(__name__)


@app.task(name="workers.tasks.tick", ignore_result=True, acks_late=False, time_limit=30)
def tick() -> list[int]:
    work = get_runtime().collect_due_work()
    for campaign_id, verdict in work.judged:
        log.info("campaign %s judged at its deadline: %s", campaign_id, verdict)
    for campaign_id in work.releases:
        prepare_release.delay(campaign_id)
    return work.releases


@app.task(name="workers.tasks.preflight", ignore_result=True, acks_late=False, time_limit=120)
def preflight() -> int:
    return get_runtime().preflight().dead


@app.task(name="workers.tasks.prepare_release", ignore_result=True, acks_late=True)
def prepare_release(campaign_id: int) -> None:
    rt = get_runtime()
    begun = rt.begin_preparation(campaign_id)
    if begun.prepared:  # handed out again after its firers stopped: fire the rest
        _queue_firers(campaign_id)
        return
    for _ in range(rt.settings.release_prepare_tasks - 1):
        prepare_pages.delay(campaign_id)
    prepare_pages(campaign_id)


@app.task(name="workers.tasks.prepare_pages", ignore_result=True, acks_late=True)
def prepare_pages(campaign_id: int) -> None:
    prepared = get_runtime().prepare_pages(campaign_id, on_ready=lambda: _queue_firers(campaign_id))
    log.info(
        "campaign %s: %s pages prepared by this task (%s refreshed, %s dropped)",
        campaign_id,
        prepared.pages,
        prepared.refreshed,
        prepared.dropped,
    )


def _queue_firers(campaign_id: int) -> None:
    for _ in range(get_runtime().settings.release_fire_tasks):
        fire_campaign.delay(campaign_id)


@app.task(name="workers.tasks.fire_campaign", ignore_result=True, acks_late=True)
def fire_campaign(campaign_id: int) -> int:
    result = get_runtime().fire(campaign_id)
    log.info(
        "campaign %s: %s deliveries attempted by this firer, released=%s",
        campaign_id,
        result.attempted,
        result.finished,
    )
    return result.attempted
