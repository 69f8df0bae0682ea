"""Owners hear of every step of their campaign, through a real SMTP server on loopback."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from amplifier.campaigns import moderation
from amplifier.campaigns.lifecycle import finish_release, judge_due_campaigns
from amplifier.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, Owner, Pledge
from amplifier.notify.tables import MailStatus, OutboxMessage
from amplifier.release.prepare import create_deliveries, prepare
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.app import create_app
from tests import factories
from tests.factories import pledge_with_email, verified_owner
from tests.notify.conftest import SmtpServer, body, deliver
from tests.notify.helpers import link_to


def _campaign(rt: Runtime, *, approved: bool = True, email: str = "ada@example.org") -> Campaign:
    with rt.db.session() as session:
        owner = verified_owner(session, email)
        assert owner.id is not None
        return factories.campaign(session, owner.id, approved=approved, title="Save the river")


def test_review_decisions_reach_the_owner_with_reason_and_both_parts(
    mail_rt: Runtime, smtp: SmtpServer
) -> None:
    campaign = _campaign(mail_rt, approved=False)
    assert campaign.id is not None
    now = utcnow()
    with mail_rt.db.session() as session:
        moderation.reject(
            session, campaign_id=campaign.id, admin_id=None, reason="Too vague", now=now
        )
    with mail_rt.db.session() as session:
        moderation.approve(session, campaign_id=campaign.id, admin_id=None, now=now)
    with mail_rt.db.session() as session:
        moderation.suspend(
            session, campaign_id=campaign.id, admin_id=None, reason="Complaints", now=now
        )
    sent = deliver(mail_rt)
    assert sent.sent == 3
    subjects = [str(m["Subject"]) for m in smtp.inbox.to("ada@example.org")]
    assert subjects == [
        "Not approved: Save the river",
        "Approved: Save the river",
        "Suspended: Save the river",
    ]
    rejected, approved, suspended = smtp.inbox.to("ada@example.org")
    assert "Too vague" in body(rejected) and "Too vague" in body(rejected, "html")
    assert "Complaints" in body(suspended)
    assert rejected["From"] == "Campaigns <campaigns@example.org>"
    # owner notices are transactional: no unsubscribe header
    assert rejected["List-Unsubscribe"] is None
    # the signup link in the approval works
    client = TestClient(create_app(mail_rt), raise_server_exceptions=False)
    with mail_rt.db.session() as session:
        moderation.reinstate(session, campaign_id=campaign.id, admin_id=None, now=now)
    assert client.get(link_to(approved, "/c/")).status_code == 200


def test_an_unconfirmed_address_gets_no_notices(mail_rt: Runtime, smtp: SmtpServer) -> None:
    campaign = _campaign(mail_rt, approved=False)
    assert campaign.id is not None
    with mail_rt.db.session() as session:
        row = session.get(Owner, campaign.owner_id)
        assert row is not None
        row.email_verified_at = None
        session.add(row)
    with mail_rt.db.session() as session:
        moderation.approve(session, campaign_id=campaign.id, admin_id=None, now=utcnow())
    deliver(mail_rt)
    assert smtp.inbox.messages == []


def test_judged_met_and_failed_each_say_why(mail_rt: Runtime, smtp: SmtpServer) -> None:
    past = utcnow() - timedelta(minutes=1)
    with mail_rt.db.session() as session:
        owner = verified_owner(session)
        assert owner.id is not None
        met = factories.campaign(session, owner.id, deadline=past, goal=1, title="Met one")
        missed = factories.campaign(session, owner.id, deadline=past, goal=5, title="Missed one")
        pledge_with_email(session, met, "s1@example.org", n=1)
        pledge_with_email(session, missed, "s2@example.org", n=2)
    for _ in range(2):  # judging twice (two ticks) queues one mail per event
        with mail_rt.db.session() as session:
            judge_due_campaigns(session, now=utcnow())
    deliver(mail_rt)
    owner_mail = {str(m["Subject"]): m for m in smtp.inbox.to("ada@example.org")}
    assert set(owner_mail) == {"Goal met: Met one", "Goal missed: Missed one"}
    assert "1 of 1 supporters" in body(owner_mail["Goal met: Met one"])
    assert "it had 1 of the 5 supporters it needed" in body(owner_mail["Goal missed: Missed one"])
    # the failed campaign's supporter is told, and their address is then deleted
    (receipt,) = smtp.inbox.to("s2@example.org")
    assert "could not go out" in str(receipt["Subject"])
    assert "did not reach its goal" in body(receipt)
    assert smtp.inbox.to("s1@example.org") == []
    with mail_rt.db.session() as session:
        emails = {p.campaign_id: p.email for p in session.exec(select(Pledge))}
    assert emails == {met.id: "s1@example.org", missed.id: None}


def test_preparation_drops_and_release_done(mail_rt: Runtime, smtp: SmtpServer) -> None:
    with mail_rt.db.session() as session:
        owner = verified_owner(session)
        assert owner.id is not None
        campaign = factories.campaign(session, owner.id, title="Release me", platforms=["x"])
        campaign.status = CampaignStatus.ARMED
        kept = pledge_with_email(session, campaign, "kept@example.org", n=1)
        stale = pledge_with_email(session, campaign, "stale@example.org", n=2)
        stale.consented_version = 0  # consented to an older message: dropped at preparation
        session.add_all([campaign, stale])
        assert campaign.id is not None
        create_deliveries(session, campaign_id=campaign.id, now=utcnow())
        campaign.status = CampaignStatus.RELEASING
        session.add(campaign)
    prepared = prepare(
        mail_rt.db, mail_rt.connectors, mail_rt.cipher, campaign_id=campaign.id, now=utcnow()
    )
    assert prepared.dropped == 1
    with mail_rt.db.session() as session:
        row = session.exec(select(Delivery).where(Delivery.pledge_id == kept.id)).one()
        row.status = DeliveryStatus.POSTED
        row.remote_url = "https://x.example/status/1"
        session.add(row)
    with mail_rt.db.session() as session:
        assert finish_release(session, campaign_id=campaign.id, now=utcnow())
    deliver(mail_rt)
    subjects = sorted(str(m["Subject"]) for m in smtp.inbox.to("ada@example.org"))
    assert subjects == [
        "1 pledge will not be posted: Release me",
        "Released: Release me (1 posted)",
    ]
    dropped = next(m for m in smtp.inbox.to("ada@example.org") if "will not" in str(m["Subject"]))
    assert "has not consented to the edited message" in body(dropped)
    done = next(m for m in smtp.inbox.to("ada@example.org") if "Released" in str(m["Subject"]))
    assert "Posted: 1" in body(done) and "Failed: 1" in body(done)
    assert f"/owner/campaigns/{campaign.id}" in body(done)
    (went_out,) = smtp.inbox.to("kept@example.org")
    assert "https://x.example/status/1" in body(went_out)
    assert went_out["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (could_not,) = smtp.inbox.to("stale@example.org")
    assert "could not go out" in str(could_not["Subject"])
    with mail_rt.db.session() as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {MailStatus.SENT}
