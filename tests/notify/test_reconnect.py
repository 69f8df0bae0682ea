"""Reconnecting: from the mail (or the manage page) through the platform's real OAuth screen on
the sandbox and back; only the tokens change, and only for the account that pledged."""

from __future__ import annotations

import requests
from sqlmodel import select

from amplifier.demo.browser import Supporter, authorize, consent_form, form_token
from amplifier.models import Campaign, CampaignStatus, Pledge
from amplifier.pledges.pledging import tokens_of
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from tests import factories
from tests.conftest import LiveWeb
from tests.factories import verified_owner
from tests.notify.conftest import SmtpServer, deliver
from tests.notify.helpers import link_to


def _pledged(rt: Runtime, web: LiveWeb, username: str) -> Pledge:
    """A supporter pledges through the pages, with an address and receipts."""
    with rt.db.session() as session:
        owner = verified_owner(session)
        assert owner.id is not None
        campaign = factories.campaign(session, owner.id, title="Save the river")
    with requests.Session() as browser:
        consent = authorize(browser, web.url, campaign.slug, Supporter(username, "x", 10))
        done = browser.post(
            f"{web.url}/pledge/confirm",
            data={
                **consent_form(consent),
                "email": f"{username}@example.org",
                "email_receipts": "1",
            },
            timeout=10,
        )
        assert done.status_code == 200
    with rt.db.session() as session:
        return session.exec(select(Pledge)).one()


def _revoked_and_checked(rt: Runtime, sandbox: RunningSandbox, username: str) -> None:
    requests.post(
        f"{sandbox.x_url}/_sandbox/revoke", json={"username": username}, timeout=10
    ).raise_for_status()
    assert rt.preflight().dead == 1


def _reconnect(web: LiveWeb, path: str, username: str) -> requests.Response:
    """Open the link in a fresh browser, press the button, sign in as `username` on the
    platform's consent screen, and follow it back."""
    with requests.Session() as browser:
        page = browser.get(web.url + path, timeout=10)
        assert page.status_code == 200, page.text
        start = browser.post(
            web.url + path, data={"csrf": form_token(page)}, allow_redirects=False, timeout=10
        )
        assert start.status_code == 303, start.text
        screen = start.headers["location"]
        answer = browser.post(
            screen,
            data={"username": username, "followers": "5", "decision": "approve"},
            allow_redirects=False,
            timeout=10,
        )
        return browser.get(answer.headers["location"], timeout=10)


def _row(rt: Runtime, pledge_id: int | None) -> Pledge:
    with rt.db.session() as session:
        row = session.get(Pledge, pledge_id)
        assert row is not None
        return row


def test_the_mails_reconnect_link_renews_only_the_tokens(
    mail_rt: Runtime, smtp: SmtpServer, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    before = _pledged(mail_rt, web, "rita")
    _revoked_and_checked(mail_rt, sandbox, "rita")
    deliver(mail_rt)
    ask = next(m for m in smtp.inbox.to("rita@example.org") if "reconnect" in m["Subject"])
    manage = requests.get(web.url + link_to(ask, "/p/").removesuffix("/reconnect"), timeout=10)
    assert 'id="reconnect-link"' in manage.text  # the manage page offers it too

    back = _reconnect(web, link_to(ask, "/reconnect"), "rita")

    assert back.status_code == 200 and "Your account is reconnected" in back.text
    after = _row(mail_rt, before.id)
    assert after.connection_problem is None
    assert after.access_token_enc != before.access_token_enc  # new tokens, encrypted
    assert (after.post_text, after.consented_version, after.consented_at, after.status) == (
        before.post_text,
        before.consented_version,
        before.consented_at,
        before.status,
    )
    with mail_rt.db.session() as session:
        x_adapter = mail_rt.connectors.for_platform(session, "x", "")
    profile = x_adapter.profile(tokens_of(after, mail_rt.cipher))
    assert profile.handle == "@rita"
    manage = requests.get(web.url + link_to(ask, "/p/").removesuffix("/reconnect"), timeout=10)
    assert 'id="reconnect-link"' not in manage.text


def test_another_account_is_refused_in_plain_words_and_nothing_changes(
    mail_rt: Runtime, smtp: SmtpServer, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    before = _pledged(mail_rt, web, "sam")
    _revoked_and_checked(mail_rt, sandbox, "sam")
    deliver(mail_rt)
    ask = next(m for m in smtp.inbox.to("sam@example.org") if "reconnect" in m["Subject"])

    back = _reconnect(web, link_to(ask, "/reconnect"), "mallory")

    assert back.status_code == 409
    assert "That is not the account you pledged with" in back.text
    assert "@mallory" in back.text and "@sam" in back.text
    after = _row(mail_rt, before.id)
    assert after.access_token_enc == before.access_token_enc
    assert after.connection_problem is not None


def test_too_late_once_the_release_is_prepared(
    mail_rt: Runtime, smtp: SmtpServer, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    pledge = _pledged(mail_rt, web, "tim")
    _revoked_and_checked(mail_rt, sandbox, "tim")
    deliver(mail_rt)
    ask = next(m for m in smtp.inbox.to("tim@example.org") if "reconnect" in m["Subject"])
    with mail_rt.db.session() as session:
        campaign = session.get(Campaign, pledge.campaign_id)
        assert campaign is not None
        campaign.status = CampaignStatus.RELEASING
        session.add(campaign)
    page = requests.get(web.url + link_to(ask, "/reconnect"), timeout=10)
    assert page.status_code == 409
    assert "Too late to reconnect" in page.text
    assert "Back to the campaign page" in page.text or "/p/" in page.text
