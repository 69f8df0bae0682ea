"""A campaign with an image, pledged on a Facebook Page and on Threads through the web app and
the emulators' real OAuth, released by the engine: the photo is uploaded to the Page
unpublished and the Threads container is made from the campaign page's image address (fetched
by the emulator from the live app) during preparation; at T each post leaves once, showing the
picture and its alt text."""

from __future__ import annotations

import json

import requests
from sqlmodel import select

from amplifier.demo.browser import Supporter, pledge
from amplifier.media.attach import attach_image
from amplifier.models import Delivery, DeliveryStatus
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from tests.conftest import LiveWeb
from tests.factories.images import png
from tests.factories.releases import (
    ALT,
    close_pledging,
    owners_campaign,
    release_until,
    sandbox_posts,
)


def test_a_page_post_and_a_threads_post_carry_the_image_with_its_alt_text_once(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    with runtime.db.session() as session:
        campaign = owners_campaign(session, goal=2, platforms="facebook_pages,threads")
        session.flush()
        attach_image(session, campaign, png(480, 320), ALT, prepare_lead_s=60)
    pledge(web.url, campaign.slug, Supporter("ada", "facebook_pages", 30))
    pledge(web.url, campaign.slug, Supporter("bo", "threads", 40))
    close_pledging(runtime, campaign.id, release_in_s=3)  # preparation happens before T
    runtime.collect_due_work()  # judged: the goal is met
    assert campaign.id is not None
    prepared = runtime.prepare(campaign.id)  # the photo and the container, before T
    assert prepared.staged == 2 and prepared.dropped == 0
    pages, threads = sandbox.facebook_pages_url, sandbox.threads_url
    assert sandbox_posts(pages) == [] and sandbox_posts(threads) == []
    release_until(runtime, lambda: bool(sandbox_posts(pages) and sandbox_posts(threads)))
    for base in (pages, threads):
        [post] = sandbox_posts(base)
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
        campaign = owners_campaign(session, goal=1, platforms="threads")
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
    close_pledging(runtime, campaign.id, release_in_s=30)
    runtime.collect_due_work()
    assert campaign.id is not None
    prepared = runtime.prepare(campaign.id)
    assert prepared.dropped == 1
    with runtime.db.session() as session:
        [row] = session.exec(select(Delivery)).all()
    assert row.status == DeliveryStatus.FAILED and row.error
    assert "already published 1 posts" in row.error and "limit of 1" in row.error
    assert "media" not in row.error  # a text post: "it could not be prepared"
    assert [p["text"] for p in sandbox_posts(base)] == ["mine"]
