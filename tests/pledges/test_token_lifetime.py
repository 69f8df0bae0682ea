"""A supporter's OAuth tokens are deleted at each moment they stop being needed.

Withdrawal, a failed goal, a cancellation, right after the release, and an abandoned sign-in's
expiry: at each, no token of the campaign (pledge or sign-in record) is left in the database, and
the stored tokens really were working ones (they came from the sandbox's OAuth endpoints).
"""

from __future__ import annotations

from datetime import timedelta

import requests
from sqlmodel import Session, select

from amplifier.campaigns.lifecycle import cancel_campaign
from amplifier.crypto import hash_secret
from amplifier.models import Campaign, OAuthAttempt, Pledge, PledgeStatus
from amplifier.pledges.pledging import purge_expired_attempts, withdraw
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories

PEOPLE = [("x", "tina"), ("mastodon", "umar"), ("x", "vera")]


def _campaign_with_pledges(
    rt: Runtime, *, goal: int | None = None, in_flight: bool = True
) -> tuple[int, list[int]]:
    """A campaign with a real-token pledge per person, and a sign-in under way holding tokens."""
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        row = factories.campaign(session, owner.owner.id, goal=goal or len(PEOPLE))
        assert row.id is not None
        ids = []
        for platform, username in PEOPLE:
            pledge = factories.pledge_with_real_tokens(
                rt, session, row, platform=platform, username=username
            )
            assert pledge.id is not None and pledge.access_token_enc is not None
            ids.append(pledge.id)
        if in_flight:
            session.add(_authorized_attempt(rt, row.id, "someone-mid-consent"))
        return row.id, ids


def _authorized_attempt(rt: Runtime, campaign_id: int, who: str) -> OAuthAttempt:
    return OAuthAttempt(
        state=f"state-{who}",
        browser_hash=hash_secret(f"browser-{who}"),
        campaign_id=campaign_id,
        platform="x",
        status="authorized",
        account_id=f"id-{who}",
        handle=f"@{who}",
        access_token_enc=rt.cipher.encrypt(f"access-{who}"),
        refresh_token_enc=rt.cipher.encrypt(f"refresh-{who}"),
        expires_at=utcnow() + timedelta(minutes=10),
    )


def _tokens_held(session: Session, campaign_id: int) -> list[str]:
    """Every token-bearing column still set for the campaign, named for the failure message."""
    held = []
    for p in session.exec(select(Pledge).where(Pledge.campaign_id == campaign_id)):
        if p.access_token_enc or p.refresh_token_enc or p.token_expires_at:
            held.append(f"pledge {p.id} ({p.handle})")
    for a in session.exec(select(OAuthAttempt).where(OAuthAttempt.campaign_id == campaign_id)):
        if a.access_token_enc or a.refresh_token_enc or a.code_verifier_enc:
            held.append(f"sign-in {a.id} ({a.status})")
    return held


def _make_due(rt: Runtime, campaign_id: int) -> None:
    with rt.db.session() as session:
        row = session.get(Campaign, campaign_id)
        assert row is not None
        row.pledge_deadline = utcnow() - timedelta(seconds=2)
        row.release_at = utcnow() - timedelta(seconds=1)
        session.add(row)


def test_withdrawal_deletes_that_pledges_tokens_at_once(runtime: Runtime) -> None:
    campaign_id, (first, *others) = _campaign_with_pledges(runtime, in_flight=False)
    with runtime.db.session() as session:
        pledge = session.get(Pledge, first)
        campaign = session.get(Campaign, campaign_id)
        assert pledge is not None and campaign is not None
        withdraw(session, pledge=pledge, campaign=campaign, now=utcnow())
    with runtime.db.session() as session:
        gone = session.get(Pledge, first)
        assert gone is not None and gone.status == PledgeStatus.WITHDRAWN
        assert (gone.access_token_enc, gone.refresh_token_enc, gone.token_expires_at) == (
            None,
            None,
            None,
        )
        kept = [session.get(Pledge, i) for i in others]
        assert all(p is not None and p.access_token_enc for p in kept)  # only theirs went


def test_a_failed_goal_deletes_every_token_of_the_campaign(runtime: Runtime) -> None:
    campaign_id, _ = _campaign_with_pledges(runtime, goal=10)
    with runtime.db.session() as session:
        assert len(_tokens_held(session, campaign_id)) == len(PEOPLE) + 1
    _make_due(runtime, campaign_id)
    work = runtime.collect_due_work()
    assert (campaign_id, "failed") in work.judged
    with runtime.db.session() as session:
        assert _tokens_held(session, campaign_id) == []
        assert session.exec(select(OAuthAttempt)).all() == []


def test_a_cancellation_deletes_every_token_of_the_campaign(runtime: Runtime) -> None:
    campaign_id, _ = _campaign_with_pledges(runtime)
    other_id, _ = _campaign_with_pledges_of_someone_else(runtime)
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        cancel_campaign(session, campaign=campaign)
    with runtime.db.session() as session:
        assert _tokens_held(session, campaign_id) == []
        assert len(_tokens_held(session, other_id)) == 1  # another campaign keeps its own


def _campaign_with_pledges_of_someone_else(rt: Runtime) -> tuple[int, list[int]]:
    with rt.db.session() as session:
        owner = factories.owner(session, name="Other")
        assert owner.owner.id is not None
        row = factories.campaign(session, owner.owner.id, title="Another cause")
        assert row.id is not None
        pledge = factories.pledge_with_real_tokens(rt, session, row, platform="x", username="wes")
        assert pledge.id is not None
        return row.id, [pledge.id]


def test_the_release_deletes_every_token_right_after(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    campaign_id, _ = _campaign_with_pledges(runtime)
    _make_due(runtime, campaign_id)
    work = runtime.collect_due_work()
    assert work.releases == [campaign_id]
    with runtime.db.session() as session:  # armed and prepared: still needed to post
        assert len(_tokens_held(session, campaign_id)) >= len(PEOPLE)
    runtime.release(campaign_id)
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None and campaign.status == "released"
        assert _tokens_held(session, campaign_id) == []
    posts = []
    for base in [sandbox.x_url, *sandbox.mastodon_urls]:
        posts += requests.get(f"{base}/_sandbox/posts", timeout=5).json()["posts"]
    assert sorted(p["username"] for p in posts) == sorted(u for _, u in PEOPLE)


def test_an_abandoned_sign_in_is_deleted_when_it_expires(runtime: Runtime) -> None:
    campaign_id, _ = _campaign_with_pledges(runtime, in_flight=False)
    with runtime.db.session() as session:
        attempt = _authorized_attempt(runtime, campaign_id, "left-halfway")
        attempt.expires_at = utcnow() - timedelta(seconds=1)
        session.add(attempt)
    with runtime.db.session() as session:
        assert purge_expired_attempts(session, now=utcnow()) == 1
    with runtime.db.session() as session:
        assert session.exec(select(OAuthAttempt)).all() == []
