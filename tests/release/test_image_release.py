"""A campaign with an image, released against the sandbox over HTTP: the picture is uploaded to
every supporter's account during preparation and reaches every post, with its alt text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import requests
from sqlmodel import select

from amplifier.models import Campaign, Delivery, DeliveryStatus
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests.factories.releases import (
    ALT,
    armed_with_image,
    assert_each_carries_the_image,
    deliveries_by_handle,
    release_due,
    sandbox_posts,
)

PEOPLE = [("x", "ann"), ("x", "ben"), ("mastodon", "cat"), ("mastodon", "dan")]


def _posts(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    return sandbox_posts(sandbox.x_url, *sandbox.mastodon_urls)


def _faults(base: str, **faults: Any) -> None:
    answer = requests.post(f"{base}/_sandbox/faults", json=faults, timeout=5)
    assert answer.status_code == 200, answer.text


def test_every_post_carries_the_image_with_its_alt_text_exactly_once(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    campaign_id = armed_with_image(runtime, PEOPLE)
    release_due(runtime)
    posts = _posts(sandbox)
    assert_each_carries_the_image(posts, ["ann", "ben", "cat", "dan"])
    rows = deliveries_by_handle(runtime, campaign_id)
    assert all(d.status == DeliveryStatus.POSTED for d in rows.values())
    assert all(d.staged_ids and d.staged_until for d in rows.values())


def test_a_server_still_processing_the_upload_is_waited_for(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    _faults(sandbox.mastodon_urls[0], media_processing_s=1.5)
    armed_with_image(runtime, [("mastodon", "cat")])
    release_due(runtime)
    [post] = _posts(sandbox)
    assert post["media"][0]["description"] == ALT


def test_an_upload_refused_for_one_supporter_drops_only_that_post_with_the_reason(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    # the first upload on X is refused for good (a 400): that supporter's post is dropped
    _faults(sandbox.x_url, media_fail_next=1, error_status=400)
    campaign_id = armed_with_image(runtime, [("x", "ann"), ("x", "ben")])
    release_due(runtime)
    posts = _posts(sandbox)
    assert [p["username"] for p in posts] == ["ben"]  # no text-only post in ann's name
    assert posts[0]["media"][0]["description"] == ALT
    rows = deliveries_by_handle(runtime, campaign_id)
    failed = [d for d in rows.values() if d.status == DeliveryStatus.FAILED]
    assert len(failed) == 1
    assert failed[0].error and "media could not be prepared" in failed[0].error


def test_an_upload_that_expired_between_preparation_and_t_is_uploaded_again(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    campaign_id = armed_with_image(runtime, [("x", "ann"), ("mastodon", "cat")])
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.release_at = utcnow() + timedelta(seconds=40)
        session.add(campaign)
    work = runtime.collect_due_work(lead_s=120)  # judged, and due within the lead
    assert work.releases == [campaign_id]
    runtime.prepare(campaign_id)
    staged_first = {h: d.staged_ids for h, d in deliveries_by_handle(runtime, campaign_id).items()}
    assert all(staged_first.values())
    # the platforms forget the uploads, and our record says they expired
    for base in [sandbox.x_url, *sandbox.mastodon_urls]:
        requests.post(f"{base}/_sandbox/expire-media", json={}, timeout=5).raise_for_status()
    with runtime.db.session() as session:
        for row in session.exec(select(Delivery).where(Delivery.campaign_id == campaign_id)):
            row.staged_until = utcnow() - timedelta(seconds=1)
            session.add(row)
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.release_at = utcnow()
        session.add(campaign)
    runtime.fire(campaign_id)
    posts = _posts(sandbox)
    assert sorted(p["username"] for p in posts) == ["ann", "cat"]
    assert all(p["media"] and p["media"][0]["description"] == ALT for p in posts)
    staged_then = {h: d.staged_ids for h, d in deliveries_by_handle(runtime, campaign_id).items()}
    assert all(staged_then[h] != staged_first[h] for h in staged_first)  # uploaded again
