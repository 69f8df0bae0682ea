"""Preflight: before T each pledge's connection is checked with the sandbox over HTTP; a dead one
(revoked) gets its supporter a reconnect mail and its owner a count, a blip (503) is no verdict,
and each pledge is checked once per window even with two runs at once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlmodel import select

from amplifier.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, Pledge
from amplifier.notify.preflight import PreflightRun
from amplifier.pledges.pledging import tokens_of
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.supervisor import Stack, beat_argv, worker_argv
from amplifier.timeutil import utcnow
from tests import factories
from tests.factories import verified_owner
from tests.notify.conftest import SmtpServer, body, deliver
from tests.notify.helpers import links_in
from tests.owners.conftest import log_in
from tests.web.conftest import ClientFactory


def _sandbox(rt: Runtime, sandbox: RunningSandbox, platform: str) -> str:
    mastodon: Any = rt.settings.platform("mastodon")
    return sandbox.x_url if platform == "x" else str(mastodon.suggested_instance)


def _campaign(rt: Runtime, **times: object) -> Campaign:
    with rt.db.session() as session:
        owner = verified_owner(session)
        assert owner.id is not None
        return factories.campaign(session, owner.id, title="Save the river", **times)  # type: ignore[arg-type]


def _pledge(rt: Runtime, campaign: Campaign, platform: str, username: str) -> int:
    with rt.db.session() as session:
        row = factories.pledge_with_real_tokens(
            rt, session, campaign, platform=platform, username=username
        )
        row.email = f"{username}@example.org"
        row.email_receipts = True
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def _admin(base: str, what: str, username: str) -> None:
    answer = requests.post(f"{base}/_sandbox/{what}", json={"username": username}, timeout=10)
    answer.raise_for_status()


def _faults(base: str, **faults: object) -> None:
    requests.post(f"{base}/_sandbox/faults", json=faults, timeout=10).raise_for_status()


def _row(rt: Runtime, pledge_id: int) -> Pledge:
    with rt.db.session() as session:
        row = session.get(Pledge, pledge_id)
        assert row is not None
        return row


def test_a_revoked_connection_is_found_a_day_before_and_both_sides_are_told(
    mail_rt: Runtime, smtp: SmtpServer, sandbox: RunningSandbox, make_client: ClientFactory
) -> None:
    campaign = _campaign(mail_rt)
    dead = _pledge(mail_rt, campaign, "mastodon", "gone")
    alive = _pledge(mail_rt, campaign, "mastodon", "fine")
    _admin(_sandbox(mail_rt, sandbox, "mastodon"), "revoke", "gone")

    run = mail_rt.preflight()

    assert (run.checked, run.dead, run.unknown) == (2, 1, 0)
    assert "revoked or has expired" in (_row(mail_rt, dead).connection_problem or "")
    assert _row(mail_rt, alive).connection_problem is None
    deliver(mail_rt)
    (ask,) = smtp.inbox.to("gone@example.org")
    assert ask["Subject"] == "Please reconnect your account: Save the river"
    assert any(u.endswith("/reconnect") for u in links_in(ask))
    assert smtp.inbox.to("fine@example.org") == []
    (notice,) = smtp.inbox.to("ada@example.org")
    assert notice["Subject"] == "1 supporter must reconnect: Save the river"
    assert "1 connection no longer works" in " ".join(body(notice).split())
    browser = make_client()
    log_in(browser, "ada@example.org")
    page = browser.get(f"/owner/campaigns/{campaign.id}").text
    assert "1 supporter must reconnect" in page
    # once per window: a second run (cron beside beat) checks nothing and mails nothing
    assert mail_rt.preflight().checked == 0
    deliver(mail_rt)
    assert len(smtp.inbox.messages) == 2


def test_outside_the_lead_nothing_is_checked(mail_rt: Runtime, sandbox: RunningSandbox) -> None:
    now = utcnow()
    campaign = _campaign(mail_rt, deadline=now + timedelta(days=2), release=now + timedelta(days=3))
    _pledge(mail_rt, campaign, "mastodon", "early")
    _admin(_sandbox(mail_rt, sandbox, "mastodon"), "revoke", "early")
    assert mail_rt.preflight().checked == 0
    mail_rt.settings.preflight_lead_s = 4 * 24 * 3600  # the window opens
    assert mail_rt.preflight().dead == 1


def test_an_expired_x_access_token_is_refreshed_not_reported(
    mail_rt: Runtime, smtp: SmtpServer, sandbox: RunningSandbox
) -> None:
    campaign = _campaign(mail_rt)
    expired = _pledge(mail_rt, campaign, "x", "sleepy")
    revoked = _pledge(mail_rt, campaign, "x", "leaver")
    before = _row(mail_rt, expired).access_token_enc
    _admin(sandbox.x_url, "expire-tokens", "sleepy")
    _admin(sandbox.x_url, "revoke", "leaver")

    run = mail_rt.preflight()

    assert (run.checked, run.dead) == (2, 1)
    row = _row(mail_rt, expired)
    assert row.connection_problem is None and row.access_token_enc != before
    with mail_rt.db.session() as session:  # the rotated tokens were stored and work
        adapter = mail_rt.connectors.for_platform(session, "x", "")
        assert adapter.profile(tokens_of(row, mail_rt.cipher)).handle == "@sleepy"
        assert session.get(Pledge, revoked) is not None
    assert _row(mail_rt, revoked).connection_problem is not None


def test_a_platform_outage_is_not_a_verdict_and_is_checked_again(
    mail_rt: Runtime, smtp: SmtpServer, sandbox: RunningSandbox
) -> None:
    campaign = _campaign(mail_rt)
    pledge_id = _pledge(mail_rt, campaign, "mastodon", "unlucky")
    base = _sandbox(mail_rt, sandbox, "mastodon")
    _admin(base, "revoke", "unlucky")
    _faults(base, scope="all", error_rate=1.0, error_status=503)

    down = mail_rt.preflight()

    assert (down.checked, down.dead, down.unknown) == (0, 0, 1)
    row = _row(mail_rt, pledge_id)
    assert row.connection_problem is None and row.connection_checked_at is None
    deliver(mail_rt)
    assert smtp.inbox.messages == []
    _faults(base, error_rate=0.0, scope="posts")
    assert mail_rt.preflight().dead == 1  # the next run checks it again


def test_two_runs_at_once_check_each_pledge_once(mail_rt: Runtime, sandbox: RunningSandbox) -> None:
    campaign = _campaign(mail_rt)
    for i in range(6):
        _pledge(mail_rt, campaign, "mastodon", f"twin{i}")
    _faults(_sandbox(mail_rt, sandbox, "mastodon"), latency_ms=150, scope="all")
    runs: list[PreflightRun] = []
    threads = [threading.Thread(target=lambda: runs.append(mail_rt.preflight())) for _ in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r.checked for r in runs) == 6


def test_preparation_drops_a_connection_that_died_since_and_says_why(
    mail_rt: Runtime, smtp: SmtpServer, sandbox: RunningSandbox
) -> None:
    now = utcnow()
    campaign = _campaign(
        mail_rt, deadline=now - timedelta(seconds=5), release=now + timedelta(seconds=30)
    )
    ok = _pledge(mail_rt, campaign, "mastodon", "steady")
    gone = _pledge(mail_rt, campaign, "mastodon", "vanished")
    assert mail_rt.preflight().dead == 0  # both alive a day (here: seconds) before
    _admin(_sandbox(mail_rt, sandbox, "mastodon"), "revoke", "vanished")
    with mail_rt.db.session() as session:
        row = session.get(Campaign, campaign.id)
        assert row is not None
        row.status = CampaignStatus.RELEASING
        session.add(row)
        from amplifier.release.prepare import create_deliveries

        assert campaign.id is not None
        create_deliveries(session, campaign_id=campaign.id, now=now)

    prepared = mail_rt.prepare(campaign.id)

    assert prepared.dropped == 1
    with mail_rt.db.session() as session:
        by_pledge = {d.pledge_id: d for d in session.exec(select(Delivery))}
    assert by_pledge[ok].status == DeliveryStatus.PENDING
    assert by_pledge[gone].status == DeliveryStatus.FAILED
    assert "revoked or has expired" in (by_pledge[gone].error or "")
    assert _row(mail_rt, gone).connection_problem is not None
    deliver(mail_rt)
    (notice,) = smtp.inbox.to("ada@example.org")
    assert "revoked or has expired" in body(notice)


def test_cron_release_due_runs_the_preflight_too(
    mail_rt: Runtime, smtp: SmtpServer, sandbox: RunningSandbox
) -> None:
    """`amplifier release-due` as cron runs it: a real process on the same database."""
    campaign = _campaign(mail_rt)
    pledge_id = _pledge(mail_rt, campaign, "mastodon", "cronned")
    _admin(_sandbox(mail_rt, sandbox, "mastodon"), "revoke", "cronned")
    s = mail_rt.settings
    x: Any = s.platform("x")
    env = {
        **os.environ,
        "AMPLIFIER_ENV": "test",
        "AMPLIFIER_DATA_DIR": str(s.data_dir),
        "AMPLIFIER_DATABASE_URL": mail_rt.db.url,
        "AMPLIFIER_TOKEN_KEYS": s.token_keys or "",
        "AMPLIFIER_SIGNING_KEY": s.signing_key or "",
        "AMPLIFIER_MASTODON_ALLOW_HTTP": "true",
        "AMPLIFIER_X_CLIENT_ID": x.client_id or "",
        "AMPLIFIER_X_CLIENT_SECRET": x.client_secret or "",
        "AMPLIFIER_X_API_BASE": x.api_base,
        "AMPLIFIER_SMTP_URL": s.smtp_url or "",
    }
    env.pop("AMPLIFIER_REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "amplifier", "release-due"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "preflight: 1 connections checked, 1 to reconnect" in done.stdout
    assert _row(mail_rt, pledge_id).connection_problem is not None
    # a deployment without beat: the same cron run sent the reconnect mail
    assert "mail: 2 sent" in done.stdout  # the supporter's reconnect mail, the owner's notice
    assert len(smtp.inbox.to("cronned@example.org")) == 1


@pytest.mark.slow
def test_beat_wakes_the_preflight_and_the_reconnect_mail_leaves(
    mail_rt: Runtime, smtp: SmtpServer, sandbox: RunningSandbox, redis_url: str, tmp_path: Path
) -> None:
    """Real Celery beat and worker: the preflight entry of the schedule runs the check, and the
    mail task sends what it queued."""
    campaign = _campaign(mail_rt)
    _pledge(mail_rt, campaign, "mastodon", "beaten")
    _admin(_sandbox(mail_rt, sandbox, "mastodon"), "revoke", "beaten")
    s = mail_rt.settings
    env = {
        "AMPLIFIER_ENV": "test",
        "AMPLIFIER_DATA_DIR": str(tmp_path),
        "AMPLIFIER_DATABASE_URL": mail_rt.db.url,
        "AMPLIFIER_REDIS_URL": redis_url,
        "AMPLIFIER_TOKEN_KEYS": s.token_keys or "",
        "AMPLIFIER_SIGNING_KEY": s.signing_key or "",
        "AMPLIFIER_SMTP_URL": smtp.url,
        "AMPLIFIER_MASTODON_ALLOW_HTTP": "true",
        "AMPLIFIER_MAIL_TICK_S": "0.5",
        "AMPLIFIER_PREFLIGHT_TICK_S": "0.5",
        "AMPLIFIER_RELEASE_TICK_S": "3600",
    }
    with Stack(tmp_path / "logs") as stack:
        stack.start("worker", worker_argv("preflight", concurrency=2), env=env)
        stack.start("beat", beat_argv(tmp_path / "beat-schedule"), env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not smtp.inbox.to("beaten@example.org"):
            time.sleep(0.3)
    (ask,) = smtp.inbox.to("beaten@example.org")
    assert ask["Subject"] == "Please reconnect your account: Save the river"


def test_a_campaign_about_to_be_prepared_is_left_to_the_preparation(
    mail_rt: Runtime, sandbox: RunningSandbox
) -> None:
    """Preparation refreshes X tokens itself; a preflight refresh beside it would spend the
    refresh token preparation is about to use, so the last minute before the lease is quiet."""
    now = utcnow()
    lead = mail_rt.settings.release_prepare_lead_s
    soon = _campaign(
        mail_rt, deadline=now - timedelta(seconds=5), release=now + timedelta(seconds=lead + 30)
    )
    _pledge(mail_rt, soon, "x", "quiet")
    _admin(sandbox.x_url, "expire-tokens", "quiet")
    assert mail_rt.preflight().checked == 0
