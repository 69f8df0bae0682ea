"""Moderation's rules against real parts: the web app over HTTP, the sandbox, a real release run.

Each test runs as a public deployment (`moderation_auto_approve` off): a new campaign waits for
an admin, a suspension holds the release, and a campaign never approved fails at its deadline.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlmodel import col, select

from amplifier.campaigns import moderation
from amplifier.campaigns.lifecycle import cancel_campaign, create_campaign, to_public
from amplifier.campaigns.report import build_report
from amplifier.campaigns.rules import CampaignCreate
from amplifier.demo.browser import Supporter, authorize, consent_form, pledge
from amplifier.models import Campaign, CampaignStatus, Delivery, Pledge, ReviewStatus
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories
from tests.conftest import LiveWeb


@pytest.fixture(autouse=True)
def _public_deployment(runtime: Runtime) -> None:
    runtime.settings.moderation_auto_approve = False


def _new_campaign(rt: Runtime, *, approved: bool = False, **overrides: Any) -> Campaign:
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        return factories.campaign(session, owner.owner.id, approved=approved, **overrides)


def _do(rt: Runtime, change: Any, campaign_id: int, **kwargs: Any) -> Campaign:
    with rt.db.session() as session:
        campaign: Campaign = change(
            session, campaign_id=campaign_id, admin_id=None, now=utcnow(), **kwargs
        )
        return campaign


def _posts(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = []
    for base in [sandbox.x_url, *sandbox.mastodon_urls]:
        posts.extend(requests.get(f"{base}/_sandbox/posts", timeout=5).json()["posts"])
    return posts


def _campaign_row(rt: Runtime, campaign_id: int) -> Campaign:
    with rt.db.session() as session:
        row = session.get(Campaign, campaign_id)
        assert row is not None
        return row


def test_the_setting_decides_the_review_status_at_creation(runtime: Runtime) -> None:
    data = CampaignCreate.model_validate(factories.payload())
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        pending = create_campaign(
            session, owner_id=owner.owner.id, data=data, enabled_platforms=["x", "mastodon"]
        )
        approved = create_campaign(
            session,
            owner_id=owner.owner.id,
            data=data,
            enabled_platforms=["x", "mastodon"],
            auto_approve=True,
        )
        assert pending.review_status == ReviewStatus.PENDING and pending.reviewed_at is None
        assert approved.review_status == ReviewStatus.APPROVED and approved.reviewed_at
        public = to_public(session, pending, public_url="http://h")
        assert (public.review_status, public.suspended) == ("pending", False)


def test_a_pending_campaign_is_not_public_until_approved(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    campaign = _new_campaign(runtime)
    assert campaign.id is not None
    unknown = requests.get(f"{web.url}/c/no-such-campaign-123", timeout=5)
    hidden = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5)
    assert hidden.status_code == unknown.status_code == 404
    assert campaign.title not in hidden.text
    assert hidden.text == unknown.text  # no difference that would tell it exists
    browser, field = factories.form_browser(runtime)
    start = browser.post(
        f"{web.url}/c/{campaign.slug}/pledge",
        data={"platform": "x", **field},
        allow_redirects=False,
        timeout=5,
    )
    assert start.status_code == 404
    with runtime.db.session() as session:
        assert session.exec(select(Pledge)).all() == []

    _do(runtime, moderation.approve, campaign.id)
    shown = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5)
    assert shown.status_code == 200 and campaign.title in shown.text
    pledge(web.url, campaign.slug, Supporter("ann", "x", 10))
    with runtime.db.session() as session:
        assert len(session.exec(select(Pledge)).all()) == 1


def test_a_rejected_campaign_stays_hidden_and_its_owner_reads_the_reason(
    runtime: Runtime, web: LiveWeb
) -> None:
    with runtime.db.session() as session:
        owner = factories.owner(session)
    token = owner.token
    created = requests.post(
        f"{web.url}/api/campaigns",
        json=factories.payload(),
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["review_status"] == "pending" and body["review_reason"] is None
    _do(runtime, moderation.reject, body["id"], reason="The link points to a scam site.")
    seen = requests.get(
        f"{web.url}/api/campaigns/{body['id']}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).json()
    assert seen["review_status"] == "rejected"
    assert seen["review_reason"] == "The link points to a scam site."
    assert requests.get(f"{web.url}/c/{body['slug']}", timeout=5).status_code == 404


def test_the_auto_approve_setting_makes_api_campaigns_public_at_once(
    runtime: Runtime, web: LiveWeb
) -> None:
    runtime.settings.moderation_auto_approve = True
    with runtime.db.session() as session:
        token = factories.owner(session).token
    body = requests.post(
        f"{web.url}/api/campaigns",
        json=factories.payload(),
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).json()
    assert body["review_status"] == "approved"
    assert requests.get(f"{web.url}/c/{body['slug']}", timeout=5).status_code == 200


def test_a_suspended_campaign_says_so_takes_no_pledges_and_keeps_those_made(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    campaign = _new_campaign(runtime, approved=True)
    assert campaign.id is not None
    pledge(web.url, campaign.slug, Supporter("kept", "x", 10))
    with requests.Session() as browser:  # halfway through a pledge when the suspension comes
        consent = authorize(browser, web.url, campaign.slug, Supporter("late", "x", 10))
        _do(runtime, moderation.suspend, campaign.id, reason="Reported as misleading.")
        confirmed = browser.post(f"{web.url}/pledge/confirm", data=consent_form(consent))
    assert confirmed.status_code == 409 and "suspended" in confirmed.text

    page = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5)
    assert page.status_code == 200
    assert 'data-phase="suspended"' in page.text and "suspended" in page.text
    assert 'action="/c/' not in page.text  # no pledge form
    browser2, field = factories.form_browser(runtime)
    start = browser2.post(
        f"{web.url}/c/{campaign.slug}/pledge",
        data={"platform": "x", **field},
        allow_redirects=False,
        timeout=5,
    )
    assert start.status_code == 409 and "suspended" in start.text
    with runtime.db.session() as session:
        rows = session.exec(select(Pledge)).all()
        assert [p.handle for p in rows] == ["@kept"]
        assert rows[0].access_token_enc is not None

    _do(runtime, moderation.reinstate, campaign.id)
    page = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5)
    assert 'data-phase="suspended"' not in page.text and 'action="/c/' in page.text


def _due_campaign(rt: Runtime, usernames: list[str], *, approved: bool = True) -> int:
    """A campaign whose deadline and release have just passed, with a real pledge per user."""
    now = utcnow()
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        row = factories.campaign(session, owner.owner.id, goal=len(usernames), approved=approved)
        for username in usernames:
            factories.pledge_with_real_tokens(rt, session, row, platform="x", username=username)
        row.pledge_deadline = now - timedelta(seconds=2)
        row.release_at = now - timedelta(seconds=1)
        session.add(row)
        assert row.id is not None
        return row.id


def _release_due(rt: Runtime) -> list[int]:
    work = rt.collect_due_work()
    for campaign_id in work.releases:
        rt.release(campaign_id)
    return work.releases


def test_a_suspended_release_is_held_past_t_and_goes_out_late_once_reinstated(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    people = ["ann", "ben", "cat"]
    campaign_id = _due_campaign(runtime, people)
    _do(runtime, moderation.suspend, campaign_id, reason="Under investigation.")
    assert _release_due(runtime) == []  # judged armed, but not handed out
    time.sleep(0.5)
    assert _release_due(runtime) == []
    assert _posts(sandbox) == []
    row = _campaign_row(runtime, campaign_id)
    assert row.status == CampaignStatus.ARMED and row.release_at < utcnow()

    _do(runtime, moderation.reinstate, campaign_id)
    assert _release_due(runtime) == [campaign_id]
    assert Counter(p["username"] for p in _posts(sandbox)) == Counter(people)
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None and campaign.status == CampaignStatus.RELEASED
        report = build_report(session, campaign)
    assert report.counts == {"posted": 3}
    assert all(p.offset_ms is not None and p.offset_ms >= 500 for p in report.posts)  # late


def test_a_firer_already_running_stops_claiming_when_the_campaign_is_suspended(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    people = [f"p{i}" for i in range(8)]
    campaign_id = _due_campaign(runtime, people)
    assert runtime.collect_due_work().releases == [campaign_id]
    runtime.prepare(campaign_id)
    later = utcnow() + timedelta(seconds=2)  # half the rows wait (as after a rate limit)
    with runtime.db.session() as session:
        rows = session.exec(
            select(Delivery).where(Delivery.campaign_id == campaign_id).order_by(col(Delivery.id))
        ).all()
        for row in rows[4:]:
            row.not_before = later
            session.add(row)
    firer = threading.Thread(target=runtime.fire, args=(campaign_id,))
    firer.start()
    deadline = time.monotonic() + 20
    while len(_posts(sandbox)) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert utcnow() < later - timedelta(seconds=0.5), "too slow to suspend before the rest"
    _do(runtime, moderation.suspend, campaign_id, reason="Stop it.")
    firer.join(20)
    assert not firer.is_alive(), "a suspended campaign's firer kept running"
    assert len(_posts(sandbox)) == 4  # the waiting rows were never claimed
    assert _release_due(runtime) == []  # held: not handed out again

    _do(runtime, moderation.reinstate, campaign_id)
    assert _release_due(runtime) == [campaign_id]
    assert Counter(p["username"] for p in _posts(sandbox)) == Counter(people)  # each once
    assert _campaign_row(runtime, campaign_id).status == CampaignStatus.RELEASED


def test_a_campaign_never_approved_fails_at_its_deadline_and_forgets_tokens(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    campaign_id = _due_campaign(runtime, ["ann", "ben"], approved=False)
    work = runtime.collect_due_work()
    assert work.judged == [(campaign_id, "failed")] and work.releases == []
    with runtime.db.session() as session:
        pledges = session.exec(select(Pledge).where(Pledge.campaign_id == campaign_id)).all()
        assert pledges and all(p.access_token_enc is None for p in pledges)
    assert _release_due(runtime) == []
    assert _posts(sandbox) == []


def test_each_change_is_refused_when_the_state_does_not_allow_it(runtime: Runtime) -> None:
    campaign = _new_campaign(runtime)
    assert campaign.id is not None
    cid = campaign.id
    with pytest.raises(moderation.WrongState, match="not public"):
        _do(runtime, moderation.suspend, cid, reason="x")
    with pytest.raises(moderation.WrongState, match="not suspended"):
        _do(runtime, moderation.reinstate, cid)
    with pytest.raises(moderation.InvalidReason, match="reason"):
        _do(runtime, moderation.reject, cid, reason="   ")
    with pytest.raises(moderation.InvalidReason, match="2000"):
        _do(runtime, moderation.reject, cid, reason="x" * 2001)
    _do(runtime, moderation.reject, cid, reason="Not allowed here.")
    with pytest.raises(moderation.WrongState, match="already rejected"):
        _do(runtime, moderation.reject, cid, reason="again")
    with pytest.raises(moderation.WrongState, match="rejected, not public"):
        _do(runtime, moderation.suspend, cid, reason="x")
    _do(runtime, moderation.approve, cid)  # an admin may change their mind
    with pytest.raises(moderation.WrongState, match="already approved"):
        _do(runtime, moderation.approve, cid)
    with pytest.raises(moderation.WrongState, match="suspend it instead"):
        _do(runtime, moderation.reject, cid, reason="x")
    _do(runtime, moderation.suspend, cid, reason="x")
    with pytest.raises(moderation.WrongState, match="already suspended"):
        _do(runtime, moderation.suspend, cid, reason="x")
    with pytest.raises(moderation.CampaignNotFound):
        _do(runtime, moderation.approve, 987654)

    cancelled = _new_campaign(runtime)
    assert cancelled.id is not None
    with runtime.db.session() as session:
        row = session.get(Campaign, cancelled.id)
        assert row is not None
        cancel_campaign(session, campaign=row)
    with pytest.raises(moderation.WrongState, match="cancelled"):
        _do(runtime, moderation.approve, cancelled.id)

    late = _new_campaign(runtime, deadline=utcnow() - timedelta(seconds=1))
    assert late.id is not None
    with pytest.raises(moderation.WrongState, match="deadline has passed"):
        _do(runtime, moderation.approve, late.id)


def test_the_review_queue_lists_pending_oldest_first_and_live_campaigns(
    runtime: Runtime,
) -> None:
    first = _new_campaign(runtime, title="First")
    second = _new_campaign(runtime, title="Second")
    live = _new_campaign(runtime, approved=True, title="Live")
    with runtime.db.session() as session:
        assert [c.title for c in moderation.list_pending(session)] == ["First", "Second"]
        assert [c.title for c in moderation.list_live(session)] == ["Live"]
    assert first.id and second.id and live.id
    _do(runtime, moderation.approve, first.id)
    with runtime.db.session() as session:
        assert [c.title for c in moderation.list_pending(session)] == ["Second"]
        assert {c.title for c in moderation.list_live(session)} == {"First", "Live"}
