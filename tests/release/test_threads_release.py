"""A Threads pledge through the web app and the emulator's real OAuth, released by the engine:
the container is made during preparation and kept on the delivery row; at T only
`threads_publish` leaves, once."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import requests
from sqlmodel import select

from amplifier.demo.browser import Supporter, authorize, pledge
from amplifier.models import Campaign, Delivery, Pledge
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories
from tests.conftest import LiveWeb

PLATFORM = "threads"


def _posts(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    body = requests.get(f"{sandbox.threads_url}/_sandbox/posts", timeout=5).json()
    return list(body["posts"])


def test_the_container_is_staged_before_t_and_published_once_at_t(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(session, owner.owner.id, goal=1)
        campaign.platforms = f"{campaign.platforms},{PLATFORM}"
        session.add(campaign)
    pledge(web.url, campaign.slug, Supporter("ada", PLATFORM, 3))
    with runtime.db.session() as session:
        row = session.exec(select(Pledge)).one()
        assert row.handle == "@ada" and row.token_expires_at is not None
        stored = session.get(Campaign, campaign.id)
        assert stored is not None
        stored.pledge_deadline = utcnow() - timedelta(seconds=2)
        stored.release_at = utcnow() + timedelta(seconds=3)  # preparation happens before T
        session.add(stored)
    runtime.collect_due_work()  # judged: the goal is met
    assert campaign.id is not None
    prepared = runtime.prepare(campaign.id)  # rows made, containers staged, before T
    assert prepared.staged == 1
    with runtime.db.session() as session:
        delivery = session.exec(select(Delivery)).one()
        staged = json.loads(delivery.staged_ids or "[]")
    assert len(staged) == 1 and _posts(sandbox) == []  # a container, no post yet
    deadline = utcnow() + timedelta(seconds=30)
    while not _posts(sandbox) and utcnow() < deadline:
        for campaign_id in runtime.collect_due_work().releases:
            runtime.release(campaign_id)
    for campaign_id in runtime.collect_due_work().releases:  # again: nothing more leaves
        runtime.release(campaign_id)
    [post] = _posts(sandbox)
    assert post["text"] == campaign.post_text()
    with runtime.db.session() as session:
        delivery = session.exec(select(Delivery)).one()
        assert (
            delivery.remote_id == post["id"] and json.loads(delivery.staged_ids or "[]") == staged
        )


def test_the_consent_page_says_emoji_count_their_utf8_bytes(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(session, owner.owner.id, goal=1)
        campaign.platforms = f"{campaign.platforms},{PLATFORM}"
        session.add(campaign)
    with requests.Session() as browser:
        consent = authorize(browser, web.url, campaign.slug, Supporter("bo", PLATFORM, 3))
    assert consent.status_code == 200 and 'id="platform-limit"' in consent.text
    assert "each emoji counts as its UTF-8 bytes" in consent.text
