"""`amplifier watch`: one snapshot, the live display until the release ends, and the command."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from sqlmodel import select

from amplifier.cli.watch import RateMeter, run_watch
from amplifier.models import Campaign, CampaignStatus, Delivery, Pledge
from amplifier.release.progress import take_snapshot
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories
from tests.cli.test_cli_and_startup import run_cli


def _console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=150, force_terminal=False, color_system=None), buffer


def _released_on_sandbox(rt: Runtime, people: list[tuple[str, str]]) -> int:
    """A campaign whose deadline and release time have just passed, released for real."""
    now = utcnow()
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        row = factories.campaign(session, owner.owner.id, goal=len(people))
        for platform, username in people:
            factories.pledge_with_real_tokens(
                rt, session, row, platform=platform, username=username, followers=10
            )
        row.pledge_deadline = now - timedelta(seconds=2)
        row.release_at = now - timedelta(seconds=1)
        session.add(row)
        assert row.id is not None
        campaign_id = row.id
    for due in rt.collect_due_work().releases:
        rt.release(due)
    return campaign_id


def _with_deliveries(rt: Runtime, statuses: list[str], campaign_status: str) -> int:
    """A campaign with one delivery row per status, written directly."""
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        row = factories.campaign(session, owner.owner.id, goal=1)
        assert row.id is not None
        for n, status in enumerate(statuses):
            pledge = Pledge(
                campaign_id=row.id,
                platform="x",
                account_id=f"a{n}",
                handle=f"@p{n}",
                followers=5,
                post_text=row.post_text(),
            )
            session.add(pledge)
            session.flush()
            assert pledge.id is not None
            finished = row.release_at + timedelta(milliseconds=100 * (n + 1))
            session.add(
                Delivery(
                    pledge_id=pledge.id,
                    campaign_id=row.id,
                    status=status,
                    finished_at=finished if status == "posted" else None,
                    remote_url=f"https://x.example/p{n}" if status == "posted" else None,
                )
            )
        row.status = campaign_status
        session.add(row)
        return row.id


def test_once_shows_the_counts_of_a_release_in_progress(runtime: Runtime) -> None:
    statuses = ["posted", "posted", "failed", "unconfirmed", "pending", "sending"]
    campaign_id = _with_deliveries(runtime, statuses, CampaignStatus.RELEASING)
    with runtime.db.session() as session:
        snap = take_snapshot(session, campaign_id)
    assert snap is not None
    assert (snap.total, snap.posted, snap.failed, snap.unconfirmed, snap.pending) == (6, 2, 1, 1, 2)
    assert snap.latest_offset_ms is not None and round(snap.latest_offset_ms) == 200
    assert snap.average_rate is not None and round(snap.average_rate) == 10
    out, buffer = _console()
    assert run_watch(runtime, campaign_id, out=out, once=True) == 0
    text = buffer.getvalue()
    assert "releasing" in text and "4/6" in text
    assert "posted 2 · failed 1 · unconfirmed 1 · pending 2 (sending 1)" in text
    assert "latest post at T+200 ms" in text and "posts/s since T" in text
    assert "@p0" not in text  # no report until the release is over


def test_watching_a_released_campaign_prints_the_report(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    campaign_id = _released_on_sandbox(runtime, [("x", "wendy"), ("mastodon", "walt")])
    out, buffer = _console()
    assert run_watch(runtime, campaign_id, out=out, once=True) == 0
    once = buffer.getvalue()
    assert "released" in once and "2/2  100%" in once and "posted 2 · failed 0" in once
    out, buffer = _console()
    assert run_watch(runtime, campaign_id, out=out) == 0  # already final: report, then exit
    report = buffer.getvalue()
    assert "@wendy" in report and "posted: 2 · reach 20 followers" in report


def test_live_display_ends_with_the_release(runtime: Runtime) -> None:
    campaign_id = _with_deliveries(runtime, ["pending", "pending"], CampaignStatus.RELEASING)
    out, buffer = _console()
    codes: list[int] = []
    watcher = threading.Thread(
        target=lambda: codes.append(run_watch(runtime, campaign_id, out=out, interval_s=0.05))
    )
    watcher.start()
    try:
        with runtime.db.session() as session:
            for delivery in session.exec(
                select(Delivery).where(Delivery.campaign_id == campaign_id)
            ):
                delivery.status = "posted"
                delivery.finished_at = utcnow()
                session.add(delivery)
            campaign = session.get(Campaign, campaign_id)
            assert campaign is not None
            campaign.status = CampaignStatus.RELEASED
            session.add(campaign)
    finally:
        watcher.join(20)
    assert not watcher.is_alive() and codes == [0]
    assert "posted: 2" in buffer.getvalue()


def test_an_unknown_campaign_is_an_error(runtime: Runtime) -> None:
    out, buffer = _console()
    assert run_watch(runtime, 424242, out=out, once=True) == 1
    assert "no campaign with id 424242" in buffer.getvalue()


def test_rate_meter_uses_recent_samples() -> None:
    meter = RateMeter(window_s=1.0)
    assert meter.add(0.0, 0) is None
    assert meter.add(0.5, 50) == 100.0
    meter.add(1.0, 100)
    assert meter.add(2.0, 110) == 10.0


def test_watch_command_once(tmp_path: Path) -> None:
    env = {
        "AMPLIFIER_DATA_DIR": str(tmp_path / "data"),
        "AMPLIFIER_DATABASE_URL": f"sqlite:///{tmp_path / 'watch.sqlite3'}",
        "AMPLIFIER_X_CLIENT_ID": "cli-test",
    }
    assert run_cli(env, "db", "upgrade").returncode == 0
    assert run_cli(env, "owner", "create", "Ada").returncode == 0
    deadline = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    release = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    created = run_cli(
        env, "campaign", "create", "--owner", "1", "--title", "Watched", "--story", "s",
        "--text", "Watch this", "--goal", "3", "--deadline", deadline, "--release", release,
    )  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr
    shown = run_cli(env, "watch", "1", "--once")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "Watched (campaign 1) · open · pledging closes in" in shown.stdout
    assert "0 supporters (goal 3)" in shown.stdout
    missing = run_cli(env, "watch", "7", "--once")
    assert missing.returncode == 1 and "no campaign with id 7" in missing.stdout
