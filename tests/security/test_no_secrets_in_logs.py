"""Tokens never reach the logs: a whole pledge-and-release run logged at DEBUG, then searched."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from amplifier.demo.browser import Supporter, pledge
from amplifier.models import MastodonApp, Pledge
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories
from tests.conftest import LiveWeb


def test_a_full_run_at_debug_level_logs_no_secret(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(session, owner.owner.id, goal=2)
    pledge(web.url, campaign.slug, Supporter("lena", "x", 7))
    pledge(web.url, campaign.slug, Supporter("marc", "mastodon", 8, sandbox.mastodon_urls[0]))
    secrets = [owner.token, sandbox.x_client_secret]
    with runtime.db.session() as session:
        for row in session.exec(select(Pledge)):
            assert row.access_token_enc is not None
            secrets.append(runtime.cipher.decrypt(row.access_token_enc))
            if row.refresh_token_enc:
                secrets.append(runtime.cipher.decrypt(row.refresh_token_enc))
        for app in session.exec(select(MastodonApp)):
            secrets.append(runtime.cipher.decrypt(app.client_secret_enc))
        row_campaign = session.get(type(campaign), campaign.id)
        assert row_campaign is not None
        row_campaign.pledge_deadline = utcnow()
        row_campaign.release_at = utcnow()
        session.add(row_campaign)
    work = runtime.collect_due_work()
    for campaign_id in work.releases:
        runtime.release(campaign_id)
    assert len(secrets) >= 5
    logged = caplog.text
    assert "lena" in logged or len(caplog.records) > 0  # the capture did see the run
    for secret in secrets:
        assert secret not in logged
