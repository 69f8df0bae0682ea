"""Judging at the deadline and releasing at T, against the sandbox over HTTP.

These drive the domain functions that beat and `amplifier release-due` both call; the Celery path
itself is covered end to end in tests/e2e.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlmodel import select

from amplifier.campaigns.report import build_report
from amplifier.models import Campaign, Delivery, Pledge
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories


def _posts(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = []
    for base in [sandbox.x_url, *sandbox.mastodon_urls]:
        posts.extend(requests.get(f"{base}/_sandbox/posts", timeout=5).json()["posts"])
    return posts


def _admin(base: str, path: str, body: dict[str, Any]) -> None:
    answer = requests.post(f"{base}/_sandbox/{path}", json=body, timeout=5)
    assert answer.status_code < 300, answer.text


def _armed_campaign(
    rt: Runtime, people: list[tuple[str, str]], *, goal: int | None = None
) -> tuple[int, list[int]]:
    """A campaign whose deadline has just passed, with a real pledge for each (platform, user)."""
    now = utcnow()
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        row = factories.campaign(session, owner.owner.id, goal=goal or len(people))
        pledge_ids = []
        for platform, username in people:
            pledge = factories.pledge_with_real_tokens(
                rt, session, row, platform=platform, username=username, followers=10
            )
            assert pledge.id is not None
            pledge_ids.append(pledge.id)
        row.pledge_deadline = now - timedelta(seconds=2)
        row.release_at = now - timedelta(seconds=1)
        session.add(row)
        assert row.id is not None
        return row.id, pledge_ids


def _release_due(rt: Runtime) -> list[int]:
    work = rt.collect_due_work()
    for campaign_id in work.releases:
        rt.release(campaign_id)
    return work.releases


PEOPLE = [("x", "ann"), ("x", "ben"), ("mastodon", "cat"), ("mastodon", "dan"), ("x", "eve")]


def test_goal_met_arms_goal_missed_fails_and_forgets_tokens(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    met, _ = _armed_campaign(runtime, PEOPLE[:2], goal=2)
    missed, _ = _armed_campaign(runtime, [("x", "zed")], goal=5)
    with runtime.db.session() as session:
        for campaign_id in (met, missed):
            row = session.get(Campaign, campaign_id)
            assert row is not None
            row.release_at = utcnow() + timedelta(hours=1)
            session.add(row)
    work = runtime.collect_due_work()
    assert sorted(work.judged) == sorted([(met, "armed"), (missed, "failed")])
    assert work.releases == []
    with runtime.db.session() as session:
        failed_pledges = session.exec(select(Pledge).where(Pledge.campaign_id == missed)).all()
        assert all(p.access_token_enc is None for p in failed_pledges)
        armed_pledges = session.exec(select(Pledge).where(Pledge.campaign_id == met)).all()
        assert all(p.access_token_enc is not None for p in armed_pledges)
    assert runtime.collect_due_work().judged == []


def test_failed_campaign_never_posts(runtime: Runtime, sandbox: RunningSandbox) -> None:
    _armed_campaign(runtime, [("x", "solo")], goal=3)
    assert _release_due(runtime) == []
    assert _release_due(runtime) == []
    assert _posts(sandbox) == []


def test_every_pledge_is_posted_exactly_once_and_reported(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    campaign_id, _ = _armed_campaign(runtime, PEOPLE)
    assert _release_due(runtime) == [campaign_id]
    posts = _posts(sandbox)
    assert Counter(p["username"] for p in posts) == Counter(u for _, u in PEOPLE)
    assert {p["text"] for p in posts} == {
        "Protect our river today #River https://example.org/river"
    }
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None and campaign.status == "released"
        report = build_report(session, campaign)
        assert all(p.access_token_enc is None for p in session.exec(select(Pledge)))
    assert report.counts == {"posted": 5}
    assert report.reached == 50
    assert all(
        line.url and line.offset_ms is not None and line.offset_ms >= 0 for line in report.posts
    )
    assert _release_due(runtime) == []
    assert len(_posts(sandbox)) == 5


def test_concurrent_releasers_never_post_twice(runtime: Runtime, sandbox: RunningSandbox) -> None:
    people = [("x" if i % 2 else "mastodon", f"user{i}") for i in range(12)]
    campaign_id, _ = _armed_campaign(runtime, people)
    assert runtime.collect_due_work().releases == [campaign_id]
    assert runtime.collect_due_work().releases == []  # leased: a second beat tick passes it by
    runtime.prepare(campaign_id)
    runtime.settings.release_page_size = 2  # small pages: the three firers interleave
    threads = [threading.Thread(target=runtime.fire, args=(campaign_id,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    posts = _posts(sandbox)
    assert len(posts) == 12
    assert Counter(p["username"] for p in posts).most_common(1)[0][1] == 1


def test_expired_x_token_is_refreshed_before_posting(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    _campaign_id, (pledge_id,) = _armed_campaign(runtime, [("x", "old")])
    with runtime.db.session() as session:
        before = session.get(Pledge, pledge_id)
        assert before is not None and before.access_token_enc is not None
        old_token = runtime.cipher.decrypt(before.access_token_enc)
        before.token_expires_at = utcnow() + timedelta(seconds=30)  # within the refresh margin
        session.add(before)
    _admin(sandbox.x_url, "expire-tokens", {"username": "old"})
    stale = requests.get(
        f"{sandbox.x_url}/2/users/me", headers={"Authorization": f"Bearer {old_token}"}, timeout=5
    )
    assert stale.status_code == 401
    _release_due(runtime)
    assert [p["username"] for p in _posts(sandbox)] == ["old"]
    with runtime.db.session() as session:
        delivery = session.exec(select(Delivery)).one()
        assert delivery.status == "posted"


def test_revoked_token_is_reported_not_retried(runtime: Runtime, sandbox: RunningSandbox) -> None:
    campaign_id, _ = _armed_campaign(runtime, [("x", "gone"), ("mastodon", "here")])
    _admin(sandbox.x_url, "revoke", {"username": "gone"})
    _release_due(runtime)
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        report = build_report(session, campaign)
    by_handle = {line.handle: line for line in report.posts}
    assert by_handle["@gone"].status == "failed"
    assert by_handle["@gone"].attempts == 1
    assert "revoked or has expired" in (by_handle["@gone"].error or "")
    assert report.counts == {"failed": 1, "posted": 1}
    assert report.status == "released"


def test_a_503_is_retried_and_then_posted(runtime: Runtime, sandbox: RunningSandbox) -> None:
    _armed_campaign(runtime, [("mastodon", "flaky")])
    _admin(sandbox.mastodon_urls[0], "faults", {"fail_next": 1, "error_status": 503})
    _release_due(runtime)
    assert [p["username"] for p in _posts(sandbox)] == ["flaky"]
    with runtime.db.session() as session:
        delivery = session.exec(select(Delivery)).one()
        assert (delivery.status, delivery.attempts) == ("posted", 2)


@pytest.mark.parametrize("platform", ["x", "mastodon"])
def test_unknown_outcome_is_settled_without_a_second_post(
    runtime: Runtime, sandbox: RunningSandbox, platform: str
) -> None:
    runtime.settings.platform_timeout_s = 0.5
    base = sandbox.x_url if platform == "x" else sandbox.mastodon_urls[0]
    _armed_campaign(runtime, [(platform, "slow")])
    _admin(base, "faults", {"timeout_after_accept_next": 1, "hang_s": 5})
    _release_due(runtime)
    assert [p["username"] for p in _posts(sandbox)] == ["slow"]
    with runtime.db.session() as session:
        delivery = session.exec(select(Delivery)).one()
        assert delivery.status == "posted"
        assert delivery.remote_id


def test_withdrawn_pledge_is_not_posted(runtime: Runtime, sandbox: RunningSandbox) -> None:
    from amplifier.pledges.pledging import withdraw

    campaign_id, pledge_ids = _armed_campaign(runtime, PEOPLE[:3], goal=2)
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        pledge = session.get(Pledge, pledge_ids[0])
        assert campaign is not None and pledge is not None
        withdraw(session, pledge=pledge, campaign=campaign, now=utcnow())
    _release_due(runtime)
    assert sorted(p["username"] for p in _posts(sandbox)) == ["ben", "cat"]


def test_a_claim_takes_one_page_and_no_more(runtime: Runtime) -> None:
    """Paging is what spreads a release over firers and bounds each one's memory."""
    people = [("x", f"page{i}") for i in range(8)]
    campaign_id, _ = _armed_campaign(runtime, people)
    assert runtime.collect_due_work().releases == [campaign_id]
    runtime.prepare(campaign_id)
    firer = runtime.firer()
    first, _ = firer._claim_page(campaign_id, 3)
    second, _ = firer._claim_page(campaign_id, 3)
    assert (len(first), len(second)) == (3, 3)
    assert not {c.delivery_id for c in first} & {c.delivery_id for c in second}
    with runtime.db.session() as session:
        statuses = Counter(d.status for d in session.exec(select(Delivery)))
    assert statuses == {"sending": 6, "pending": 2}


def test_delivery_rows_are_made_once_however_often_asked(runtime: Runtime) -> None:
    from amplifier.release.prepare import create_deliveries

    campaign_id, pledge_ids = _armed_campaign(runtime, PEOPLE[:3])
    for _ in range(2):  # a second call (a re-run after a crash) adds nothing
        with runtime.db.session() as session:
            create_deliveries(session, campaign_id=campaign_id, now=utcnow())
    with runtime.db.session() as session:
        rows = session.exec(select(Delivery).where(Delivery.campaign_id == campaign_id)).all()
    assert sorted(d.pledge_id for d in rows) == sorted(pledge_ids)
    assert {d.status for d in rows} == {"pending"}
