"""Supporters: the optional address on the consent page, receipts, one-click unsubscribe, and
the owner's updates capped at one mail a day per campaign."""

from __future__ import annotations

import re
from datetime import timedelta

import requests
from sqlmodel import select

from amplifier.campaigns.consent import edit_message
from amplifier.demo.browser import Supporter, authorize, consent_form, form_token
from amplifier.models import Campaign, Pledge
from amplifier.notify.tables import MailStatus, OutboxMessage
from amplifier.notify.updates import post_update
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from tests import factories
from tests.conftest import LiveWeb
from tests.factories import pledge_with_email, verified_owner
from tests.notify.conftest import SmtpServer, body, deliver
from tests.notify.helpers import link_to, path_of


def _campaign(rt: Runtime) -> Campaign:
    with rt.db.session() as session:
        owner = verified_owner(session)
        assert owner.id is not None
        return factories.campaign(session, owner.id, title="Save the river")


def test_consent_page_takes_an_optional_address_and_mails_the_manage_link(
    mail_rt: Runtime, smtp: SmtpServer, web: LiveWeb
) -> None:
    campaign = _campaign(mail_rt)
    with requests.Session() as browser:
        consent = authorize(browser, web.url, campaign.slug, Supporter("alice", "x", 10))
        assert 'name="email"' in consent.text and "checked" not in consent.text  # opt-in
        form = consent_form(consent)
        bad = browser.post(
            f"{web.url}/pledge/confirm",
            data={**form, "email": "alice@", "email_receipts": "1"},
            timeout=10,
        )
        assert bad.status_code == 422
        assert "does not look like an email address" in bad.text
        assert 'value="alice@"' in bad.text  # what was typed is kept
        with mail_rt.db.session() as session:
            assert session.exec(select(Pledge)).all() == []  # nothing half-written
        done = browser.post(
            f"{web.url}/pledge/confirm",
            data={**consent_form(bad), "email": "Alice@Example.org", "email_receipts": "1"},
            timeout=10,
        )
        assert done.status_code == 200
    with mail_rt.db.session() as session:
        pledge = session.exec(select(Pledge)).one()
    assert (pledge.email, pledge.email_receipts, pledge.email_updates) == (
        "alice@example.org",
        True,
        False,
    )
    deliver(mail_rt)
    (receipt,) = smtp.inbox.to("alice@example.org")
    assert receipt["Subject"] == "Your pledge to Save the river"
    manage = link_to(receipt, "/p/")
    assert requests.get(web.url + manage, timeout=10).status_code == 200
    data_page = requests.get(web.url + manage + "/data", timeout=10).text
    assert "alice@example.org" in data_page


def test_one_click_unsubscribe_is_honoured_even_for_mail_already_queued(
    mail_rt: Runtime, smtp: SmtpServer, web: LiveWeb
) -> None:
    campaign = _campaign(mail_rt)
    with mail_rt.db.session() as session:
        pledge_with_email(session, campaign, "bob@example.org", n=1)
    with mail_rt.db.session() as session:  # two new versions: two receipts queued
        row = session.get(Campaign, campaign.id)
        assert row is not None
        edit_message(session, row, "Protect our river now #River", None, prepare_lead_s=60)
    deliver(mail_rt)
    (first,) = smtp.inbox.to("bob@example.org")
    assert "consent again" in str(first["Subject"])
    one_click = first["List-Unsubscribe"].strip("<>")
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with mail_rt.db.session() as session:
        row = session.get(Campaign, campaign.id)
        assert row is not None
        edit_message(session, row, "Protect our river tonight #River", None, prepare_lead_s=60)
    # RFC 8058: a POST with this body, no cookie, no form token
    answer = requests.post(
        web.url + path_of(one_click), data={"List-Unsubscribe": "One-Click"}, timeout=10
    )
    assert answer.status_code == 200
    result = deliver(mail_rt)
    assert (result.sent, result.suppressed) == (0, 1)
    assert len(smtp.inbox.to("bob@example.org")) == 1
    # the page behind the footer link only unsubscribes on its button; a wrong link is a page
    page = requests.get(web.url + link_to(first, "/unsubscribe/"), timeout=10)
    assert page.status_code == 200 and "<form" in page.text
    wrong = requests.get(web.url + "/unsubscribe/unsub.1.receipts.0.00", timeout=10)
    assert wrong.status_code == 400 and "wrong" in wrong.text
    wrong_api = requests.post(web.url + "/api/unsubscribe/nonsense", timeout=10)
    assert wrong_api.status_code == 400 and "nothing was changed" in wrong_api.json()["message"]


def test_updates_reach_opted_in_supporters_at_most_once_a_day(
    mail_rt: Runtime, smtp: SmtpServer
) -> None:
    campaign = _campaign(mail_rt)
    with mail_rt.db.session() as session:
        pledge_with_email(session, campaign, "in@example.org", n=1, updates=True)
        pledge_with_email(session, campaign, "out@example.org", n=2, updates=False)
        row = session.get(Campaign, campaign.id)
        assert row is not None
        post_update(session, row, "We met the mayor.", now=utcnow())
    deliver(mail_rt)
    post_times = []
    with mail_rt.db.session() as session:
        row = session.get(Campaign, campaign.id)
        assert row is not None
        for text in ("The council meets on Monday.", "Bring a friend!"):
            post_update(session, row, text, now=utcnow())
            post_times.append(utcnow())
    deliver(mail_rt)  # the same day: held back
    assert [str(m["Subject"]) for m in smtp.inbox.to("in@example.org")] == [
        "News from Save the river"
    ]
    assert smtp.inbox.to("out@example.org") == []
    with mail_rt.db.session() as session:  # a day passes since the first mail
        first = session.exec(select(OutboxMessage)).first()
        assert first is not None
        from amplifier.notify.tables import CampaignUpdate

        for update in session.exec(select(CampaignUpdate)):
            if update.mailed_at is not None:
                update.mailed_at = update.mailed_at - timedelta(days=1, seconds=1)
                session.add(update)
    deliver(mail_rt)
    mails = smtp.inbox.to("in@example.org")
    assert len(mails) == 2
    digest = body(mails[1])
    assert "The council meets on Monday." in digest and "Bring a friend!" in digest
    assert "We met the mayor." not in digest
    with mail_rt.db.session() as session:
        assert {r.status for r in session.exec(select(OutboxMessage))} == {MailStatus.SENT}


def test_updates_through_the_api_refuse_bad_bodies_with_a_message(
    mail_rt: Runtime, smtp: SmtpServer, web: LiveWeb
) -> None:
    with mail_rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(session, owner.owner.id)
        pledge_with_email(session, campaign, "fan@example.org", n=1)
    auth = {"Authorization": f"Bearer {owner.token}"}
    url = f"{web.url}/api/campaigns/{campaign.id}/updates"
    for bad, why in (("   ", "must not be empty"), ("a\x00b", "control characters")):
        answer = requests.post(url, json={"body": bad}, headers=auth, timeout=10)
        assert answer.status_code == 422 and why in answer.json()["message"]
    made = requests.post(url, json={"body": "Thank you all!"}, headers=auth, timeout=10)
    assert made.status_code == 201 and made.json()["mailed_at"] is None
    deliver(mail_rt)
    (mail,) = smtp.inbox.to("fan@example.org")
    assert "Thank you all!" in body(mail) and "Thank you all!" in body(mail, "html")
    listed = requests.get(url, headers=auth, timeout=10).json()
    assert listed[0]["mailed_at"] is not None
    other = requests.get(f"{web.url}/api/campaigns/999/updates", headers=auth, timeout=10)
    assert other.status_code == 404


def test_a_pledge_made_again_without_an_address_keeps_none(
    mail_rt: Runtime, smtp: SmtpServer, web: LiveWeb
) -> None:
    """Withdrawn, then pledged again with the address left out: the old address is not kept
    (the walkthrough found it still listed on the supporter-data page)."""
    campaign = _campaign(mail_rt)
    walt = Supporter("walt", "x", 10)
    with requests.Session() as browser:
        consent = authorize(browser, web.url, campaign.slug, walt)
        done = browser.post(
            f"{web.url}/pledge/confirm",
            data={**consent_form(consent), "email": "walt@example.net", "email_receipts": "1"},
            timeout=10,
        )
        assert done.status_code == 200
        manage = web.url + path_of(re.search(r'id="manage-link"[^>]*>([^<]+)<', done.text)[1])
        shown = browser.get(manage, timeout=10)
        withdrawn = browser.post(
            manage, data={"csrf": form_token(shown), "confirm": "yes"}, timeout=10
        )
        assert "withdrawn" in withdrawn.text
        again = authorize(browser, web.url, campaign.slug, walt)
        redone = browser.post(f"{web.url}/pledge/confirm", data=consent_form(again), timeout=10)
        assert redone.status_code == 200
    with mail_rt.db.session() as session:
        pledge = session.exec(select(Pledge)).one()
    assert pledge.status == "active"
    assert (pledge.email, pledge.email_receipts, pledge.email_updates) == (None, False, False)
