"""A campaign with an image, pledged on a Facebook Page and on Threads through the web app and
the emulators' real OAuth, released by the engine: the photo is uploaded to the Page
unpublished and the Threads container is made from the campaign page's image address (fetched
by the emulator from the live app) during preparation; at T each post leaves once, showing the
picture and its alt text."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import requests
from PIL import Image
from sqlmodel import select

from amplifier.demo.browser import Supporter, pledge
from amplifier.media.attach import attach_image
from amplifier.models import Campaign, Delivery, DeliveryStatus
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories
from tests.conftest import LiveWeb

ALT = "A heron standing in the shallow river at dawn"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (480, 320), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def _posts(base: str) -> list[dict[str, Any]]:
    return list(requests.get(f"{base}/_sandbox/posts", timeout=5).json()["posts"])


def test_a_page_post_and_a_threads_post_carry_the_image_with_its_alt_text_once(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(session, owner.owner.id, goal=2)
        campaign.platforms = "facebook_pages,threads"
        session.add(campaign)
        session.flush()
        attach_image(session, campaign, _png(), ALT, prepare_lead_s=60)
    pledge(web.url, campaign.slug, Supporter("ada", "facebook_pages", 30))
    pledge(web.url, campaign.slug, Supporter("bo", "threads", 40))
    with runtime.db.session() as session:
        stored = session.get(Campaign, campaign.id)
        assert stored is not None
        stored.pledge_deadline = utcnow() - timedelta(seconds=2)
        stored.release_at = utcnow() + timedelta(seconds=3)  # preparation happens before T
        session.add(stored)
    runtime.collect_due_work()  # judged: the goal is met
    assert campaign.id is not None
    prepared = runtime.prepare(campaign.id)  # the photo and the container, before T
    assert prepared.staged == 2 and prepared.dropped == 0
    assert _posts(sandbox.facebook_pages_url) == [] and _posts(sandbox.threads_url) == []
    deadline = utcnow() + timedelta(seconds=30)
    while utcnow() < deadline and not (
        _posts(sandbox.facebook_pages_url) and _posts(sandbox.threads_url)
    ):
        for campaign_id in runtime.collect_due_work().releases:
            runtime.release(campaign_id)
    for campaign_id in runtime.collect_due_work().releases:  # again: nothing more leaves
        runtime.release(campaign_id)
    for base in (sandbox.facebook_pages_url, sandbox.threads_url):
        [post] = _posts(base)
        [media] = post["media"]
        assert media["description"] == ALT and media["type"] == "image/png"
    with runtime.db.session() as session:
        rows = session.exec(select(Delivery)).all()
        assert {r.status for r in rows} == {DeliveryStatus.POSTED}
        assert all(len(json.loads(r.staged_ids or "[]")) == 1 for r in rows)


def test_a_threads_profile_with_no_quota_left_is_dropped_at_preparation_in_words(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    base = sandbox.threads_url
    requests.post(
        f"{base}/_sandbox/faults",
        json={"rate_limit": {"user_limit": 1, "user_window_s": 86_400}},
        timeout=5,
    ).raise_for_status()
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(session, owner.owner.id, goal=1)
        campaign.platforms = "threads"
        session.add(campaign)
    pledge(web.url, campaign.slug, Supporter("cy", "threads", 12))
    # the profile uses its day's quota elsewhere before the release
    token = requests.post(
        f"{base}/_sandbox/tokens", json={"users": [{"username": "cy"}]}, timeout=5
    ).json()["tokens"][0]["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    made = requests.post(
        f"{base}/v1.0/me/threads",
        data={"media_type": "TEXT", "text": "mine"},
        headers=auth,
        timeout=5,
    ).json()
    requests.post(
        f"{base}/v1.0/me/threads_publish", data={"creation_id": made["id"]}, headers=auth, timeout=5
    ).raise_for_status()
    with runtime.db.session() as session:
        stored = session.get(Campaign, campaign.id)
        assert stored is not None
        stored.pledge_deadline = utcnow() - timedelta(seconds=2)
        stored.release_at = utcnow() + timedelta(seconds=30)
        session.add(stored)
    runtime.collect_due_work()
    assert campaign.id is not None
    prepared = runtime.prepare(campaign.id)
    assert prepared.dropped == 1
    with runtime.db.session() as session:
        [row] = session.exec(select(Delivery)).all()
    assert row.status == DeliveryStatus.FAILED and row.error
    assert "already published 1 posts" in row.error and "limit of 1" in row.error
    assert "media" not in row.error  # a text post: "it could not be prepared"
    assert [p["text"] for p in _posts(base)] == ["mine"]
