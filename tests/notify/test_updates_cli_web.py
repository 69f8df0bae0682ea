"""Owners' updates from the command line and from the campaign page: the same rules as the API,
plain-word refusals, what was typed kept, and the update mailed to supporters who asked."""

from __future__ import annotations

import os
import subprocess
import sys

from amplifier.models import Campaign
from amplifier.owners.api_tokens import create_owner
from amplifier.runtime import Runtime
from tests import factories
from tests.factories import pledge_with_email, verified_owner
from tests.notify.conftest import SmtpServer, body, deliver
from tests.owners.conftest import csrf_of, log_in
from tests.web.conftest import ClientFactory


def _cli(rt: Runtime, *args: str) -> subprocess.CompletedProcess[str]:
    s = rt.settings
    env = {
        **os.environ,
        "AMPLIFIER_ENV": "test",
        "AMPLIFIER_DATA_DIR": str(s.data_dir),
        "AMPLIFIER_DATABASE_URL": rt.db.url,
        "AMPLIFIER_TOKEN_KEYS": s.token_keys or "",
        "AMPLIFIER_SIGNING_KEY": s.signing_key or "",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "amplifier", "campaign", "update", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _campaign_with_reader(rt: Runtime) -> tuple[Campaign, str]:
    with rt.db.session() as session:
        made = create_owner(session, name="Ada")
        assert made.owner.id is not None
        campaign = factories.campaign(session, made.owner.id, title="Save the river")
        pledge_with_email(session, campaign, "reader@example.org", receipts=False, updates=True)
        return campaign, made.token


def test_cli_posts_an_update_that_reaches_the_supporters(
    mail_rt: Runtime, smtp: SmtpServer
) -> None:
    campaign, token = _campaign_with_reader(mail_rt)
    empty = _cli(mail_rt, str(campaign.id), "--text", "   ", "--token", token)
    assert empty.returncode == 1
    assert "update not posted: body: write the update" in empty.stdout
    with mail_rt.db.session() as session:
        other = create_owner(session, name="Eve").token
    foreign = _cli(mail_rt, str(campaign.id), "--text", "Hello", "--token", other)
    assert foreign.returncode == 1 and f"no campaign with id {campaign.id}" in foreign.stdout

    done = _cli(mail_rt, str(campaign.id), "--text", "We met the mayor today.", "--token", token)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 supporter(s) asked for updates" in done.stdout
    deliver(mail_rt)
    (mail,) = smtp.inbox.to("reader@example.org")
    assert "We met the mayor today." in body(mail)


def test_the_campaign_page_form_keeps_what_was_typed_and_says_what_to_fix(
    mail_rt: Runtime, smtp: SmtpServer, make_client: ClientFactory
) -> None:
    with mail_rt.db.session() as session:
        owner = verified_owner(session)
        assert owner.id is not None
        campaign = factories.campaign(session, owner.id, title="Save the river")
        pledge_with_email(session, campaign, "reader@example.org", receipts=False, updates=True)
    browser = make_client()
    log_in(browser, "ada@example.org")
    page_url = f"/owner/campaigns/{campaign.id}"
    page = browser.get(page_url)
    assert 'id="update-form"' in page.text and 'id="no-updates"' in page.text
    long_text = "The river " + "x" * 5_000

    refused = browser.post(
        f"{page_url}/updates", data={"body": long_text, "csrf": csrf_of(page.text)}
    )

    assert refused.status_code == 422
    assert "Update not posted: body: at most 5000 characters" in refused.text
    assert long_text in refused.text  # kept in the box, to shorten rather than retype
    posted = browser.post(
        f"{page_url}/updates",
        data={"body": "Thank you all!\n\nWe meet on Friday.", "csrf": csrf_of(refused.text)},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    shown = browser.get(posted.headers["location"]).text
    assert 'id="update-posted"' in shown and "We meet on Friday." in shown
    deliver(mail_rt)
    (mail,) = smtp.inbox.to("reader@example.org")
    assert "We meet on Friday." in body(mail)
