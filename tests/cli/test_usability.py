"""What the operator reads: upgrade results, uncut links, the public URL `up` uses, summaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from amplifier.campaigns.report import CampaignReport, PostLine
from amplifier.cli.app import env_for_other_commands
from amplifier.cli.campaign import summary_line
from amplifier.timeutil import utcnow
from config.settings import Settings
from tests.cli.test_cli_and_startup import run_cli


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "AMPLIFIER_DATA_DIR": str(tmp_path / "data"),
        "AMPLIFIER_DATABASE_URL": f"sqlite:///{tmp_path / 'ops.sqlite3'}",
        "AMPLIFIER_X_CLIENT_ID": "cli-test",
    }


def test_db_upgrade_says_what_it_did(tmp_path: Path) -> None:
    env = _env(tmp_path)
    first = run_cli(env, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert "upgraded from an empty schema to revision" in first.stdout
    again = run_cli(env, "db", "upgrade")
    assert again.returncode == 0 and "already at the latest revision" in again.stdout


def test_list_never_cuts_the_signup_link(tmp_path: Path) -> None:
    env = {**_env(tmp_path), "AMPLIFIER_PUBLIC_URL": "http://127.0.0.1:8123"}
    run_cli(env, "db", "upgrade")
    run_cli(env, "owner", "create", "Ada")
    deadline = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    release = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    title = "Keep the public library on Elm Street open late on weekdays for everyone"
    created = run_cli(
        env, "campaign", "create", "--owner", "1", "--title", title, "--story", "s",
        "--text", "Open late #Library", "--goal", "3", "--deadline", deadline,
        "--release", release,
    )  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr
    link = created.stdout.split("signup link: ")[1].split()[0]
    assert link.startswith("http://127.0.0.1:8123/c/keep-the-public-library")
    listed = run_cli(env, "campaign", "list")
    assert listed.returncode == 0
    assert link in listed.stdout  # whole, on one line
    assert "default public URL" not in listed.stdout  # it was configured
    shown = run_cli(env, "campaign", "show", "1")
    assert link in shown.stdout
    assert "no posts yet · 0 supporters · 0 followers pledged" in shown.stdout
    unset = {**_env(tmp_path)}
    default = run_cli(unset, "campaign", "list")
    assert "default public URL http://127.0.0.1:8000" in default.stdout
    assert "AMPLIFIER_PUBLIC_URL" in default.stdout


def test_up_tells_other_commands_its_public_url(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    ours = {"AMPLIFIER_PUBLIC_URL": "http://127.0.0.1:8123"}
    assert env_for_other_commands(settings, ours) == ours
    assert env_for_other_commands(settings, {"AMPLIFIER_PUBLIC_URL": settings.public_url}) == {}
    assert env_for_other_commands(settings, {}) == {}


def _line(status: str, offset: float | None = None) -> PostLine:
    return PostLine(
        pledge_id=1,
        platform="x",
        handle="@a",
        followers=10,
        status=status,
        url=None,
        error=None,
        retryable=False,
        attempts=1,
        offset_ms=offset,
    )


def _report(posts: list[PostLine], counts: dict[str, int]) -> CampaignReport:
    return CampaignReport(
        campaign_id=1,
        title="t",
        status="released",
        release_at=datetime(2030, 1, 1, tzinfo=UTC),
        goal=1,
        supporters=3,
        pledged_reach=4087,
        reached=20,
        counts=counts,
        first_offset_ms=12.0 if posts else None,
        last_offset_ms=845.0 if posts else None,
        posts=posts,
    )


def test_report_summary_reads_sensibly() -> None:
    assert summary_line(_report([], {})) == "no posts yet · 3 supporters · 4,087 followers pledged"
    posts = [_line("posted", 12.0), _line("posted", 845.0), _line("failed")]
    line = summary_line(_report(posts, {"failed": 1, "posted": 2}))
    assert line.startswith("posted: 2, failed: 1 · reach 20 followers posted to (of 4,087")
    assert line.endswith("first 12 ms, last 845 ms after T")
