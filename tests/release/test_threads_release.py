"""A Threads pledge through the web app and the emulator's real OAuth, released by the engine:
the container is made during preparation and kept on the delivery row; at T only
`threads_publish` leaves, once."""

from __future__ import annotations

import json
from typing import Any

import requests
from sqlmodel import select

from amplifier.demo.browser import Supporter, authorize, pledge
from amplifier.models import Delivery, Pledge
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from tests.conftest import LiveWeb
from tests.factories.releases import (
    close_pledging,
    owners_campaign,
    release_until,
    sandbox_posts,
)

PLATFORM = "threads"


def _posts(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    return sandbox_posts(sandbox.threads_url)


def test_the_container_is_staged_before_t_and_published_once_at_t(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    with runtime.db.session() as session:
        campaign = owners_campaign(session, goal=1, platforms=f"x,mastodon,{PLATFORM}")
    pledge(web.url, campaign.slug, Supporter("ada", PLATFORM, 3))
    with runtime.db.session() as session:
        row = session.exec(select(Pledge)).one()
        assert row.handle == "@ada" and row.token_expires_at is not None
    close_pledging(runtime, campaign.id, release_in_s=3)  # preparation happens before T
    runtime.collect_due_work()  # judged: the goal is met
    assert campaign.id is not None
    prepared = runtime.prepare(campaign.id)  # rows made, containers staged, before T
    assert prepared.staged == 1
    with runtime.db.session() as session:
        delivery = session.exec(select(Delivery)).one()
        staged = json.loads(delivery.staged_ids or "[]")
    assert len(staged) == 1 and _posts(sandbox) == []  # a container, no post yet
    release_until(runtime, lambda: bool(_posts(sandbox)))  # then again: nothing more leaves
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
        campaign = owners_campaign(session, goal=1, platforms=f"x,mastodon,{PLATFORM}")
    with requests.Session() as browser:
        consent = authorize(browser, web.url, campaign.slug, Supporter("bo", PLATFORM, 3))
    assert consent.status_code == 200 and 'id="platform-limit"' in consent.text
    assert "each emoji counts as its UTF-8 bytes" in consent.text
