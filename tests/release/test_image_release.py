"""A campaign with an image, released against the sandbox over HTTP: the picture is uploaded to
every supporter's account during preparation and reaches every post, with its alt text."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import requests
from PIL import Image
from sqlmodel import select

from amplifier.media.attach import attach_image
from amplifier.models import Campaign, Delivery, DeliveryStatus, Pledge
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories

ALT = "A heron standing in the shallow river at dawn"
PEOPLE = [("x", "ann"), ("x", "ben"), ("mastodon", "cat"), ("mastodon", "dan")]


def png(width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def _posts(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = []
    for base in [sandbox.x_url, *sandbox.mastodon_urls]:
        posts.extend(requests.get(f"{base}/_sandbox/posts", timeout=5).json()["posts"])
    return posts


def _faults(base: str, **faults: Any) -> None:
    answer = requests.post(f"{base}/_sandbox/faults", json=faults, timeout=5)
    assert answer.status_code == 200, answer.text


def _armed_with_image(rt: Runtime, people: list[tuple[str, str]]) -> int:
    """A campaign with an image, a real pledge for each (platform, user), its deadline passed."""
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        row = factories.campaign(session, owner.owner.id, goal=len(people))
        attach_image(session, row, png(), ALT, prepare_lead_s=60)
        for platform, username in people:
            factories.pledge_with_real_tokens(
                rt, session, row, platform=platform, username=username, followers=10
            )
        now = utcnow()
        row.pledge_deadline = now - timedelta(seconds=2)
        row.release_at = now - timedelta(seconds=1)
        session.add(row)
        assert row.id is not None
        return row.id


def _release(rt: Runtime) -> None:
    work = rt.collect_due_work()  # judges the deadline and leases the release
    for campaign_id in work.releases:
        rt.release(campaign_id)


def _deliveries(rt: Runtime, campaign_id: int) -> dict[str, Delivery]:
    with rt.db.session() as session:
        rows = session.exec(
            select(Pledge.handle, Delivery)
            .join(Delivery, Delivery.pledge_id == Pledge.id)  # type: ignore[arg-type]
            .where(Delivery.campaign_id == campaign_id)
        ).all()
        return {handle: delivery for handle, delivery in rows}


def test_every_post_carries_the_image_with_its_alt_text_exactly_once(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    campaign_id = _armed_with_image(runtime, PEOPLE)
    _release(runtime)
    posts = _posts(sandbox)
    assert sorted(p["username"] for p in posts) == ["ann", "ben", "cat", "dan"]
    for post in posts:
        assert len(post["media"]) == 1, post
        assert post["media"][0]["description"] == ALT
        assert post["media"][0]["type"] == "image/png"
    rows = _deliveries(runtime, campaign_id)
    assert all(d.status == DeliveryStatus.POSTED for d in rows.values())
    assert all(d.staged_ids and d.staged_until for d in rows.values())


def test_a_server_still_processing_the_upload_is_waited_for(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    _faults(sandbox.mastodon_urls[0], media_processing_s=1.5)
    _armed_with_image(runtime, [("mastodon", "cat")])
    _release(runtime)
    [post] = _posts(sandbox)
    assert post["media"][0]["description"] == ALT


def test_an_upload_refused_for_one_supporter_drops_only_that_post_with_the_reason(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    # the first upload on X is refused for good (a 400): that supporter's post is dropped
    _faults(sandbox.x_url, media_fail_next=1, error_status=400)
    campaign_id = _armed_with_image(runtime, [("x", "ann"), ("x", "ben")])
    _release(runtime)
    posts = _posts(sandbox)
    assert [p["username"] for p in posts] == ["ben"]  # no text-only post in ann's name
    assert posts[0]["media"][0]["description"] == ALT
    rows = _deliveries(runtime, campaign_id)
    failed = [d for d in rows.values() if d.status == DeliveryStatus.FAILED]
    assert len(failed) == 1
    assert failed[0].error and "media could not be prepared" in failed[0].error


def test_an_upload_that_expired_between_preparation_and_t_is_uploaded_again(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    campaign_id = _armed_with_image(runtime, [("x", "ann"), ("mastodon", "cat")])
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.release_at = utcnow() + timedelta(seconds=40)
        session.add(campaign)
    work = runtime.collect_due_work(lead_s=120)  # judged, and due within the lead
    assert work.releases == [campaign_id]
    runtime.prepare(campaign_id)
    staged_first = {h: d.staged_ids for h, d in _deliveries(runtime, campaign_id).items()}
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
    staged_then = {h: d.staged_ids for h, d in _deliveries(runtime, campaign_id).items()}
    assert all(staged_then[h] != staged_first[h] for h in staged_first)  # uploaded again
