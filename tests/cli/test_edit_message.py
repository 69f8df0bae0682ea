"""`amplifier campaign edit-message`: the same rules as the API, said in words."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from amplifier.timeutil import utcnow
from tests.cli.test_cli_and_startup import run_cli
from tests.cli.test_usability import _env


def test_edit_message_from_the_command_line(tmp_path: Path) -> None:
    env = _env(tmp_path)
    run_cli(env, "db", "upgrade")
    run_cli(env, "owner", "create", "Ada")
    deadline = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    release = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    created = run_cli(
        env, "campaign", "create", "--owner", "1", "--title", "Library", "--story", "s",
        "--text", "Open late #Library", "--goal", "3", "--deadline", deadline,
        "--release", release, "--link", "https://example.org/lib",
    )  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr
    edited = run_cli(env, "campaign", "edit-message", "1", "--text", "Open later #Library")
    assert edited.returncode == 0, edited.stdout + edited.stderr
    assert "message version 1: Open later #Library https://example.org/lib" in edited.stdout
    too_long = run_cli(env, "campaign", "edit-message", "1", "--text", "x" * 300)
    assert too_long.returncode == 2 and "X allows 280 weighted characters" in too_long.stdout
    run_cli(env, "campaign", "cancel", "1")
    late = run_cli(env, "campaign", "edit-message", "1", "--text", "Too late", "--link", "")
    assert late.returncode == 1 and "cancelled cannot be edited" in late.stdout
