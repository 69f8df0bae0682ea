"""`amplifier admin …` as an operator runs it: a real process on a real (SQLite) database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from amplifier.timeutil import utcnow

PASSWORD = "correct horse battery staple"


def run_cli(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "amplifier", *args],
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {
        "AMPLIFIER_DATA_DIR": str(tmp_path / "data"),
        "AMPLIFIER_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "AMPLIFIER_X_CLIENT_ID": "cli-test",
        "AMPLIFIER_MODERATION_AUTO_APPROVE": "false",
        "COLUMNS": "200",
    }
    assert run_cli(env, "db", "upgrade").returncode == 0
    return env


def _rows(env: dict[str, str], query: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(env["AMPLIFIER_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(query))]
    finally:
        engine.dispose()


def test_admin_create_stores_only_a_hash_and_prints_a_working_token(
    cli_env: dict[str, str],
) -> None:
    made = run_cli(
        cli_env, "admin", "create", "Ada@Example.org", "--name", "Ada", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("amp_")
    assert PASSWORD not in made.stdout
    ((email, password_hash, is_admin),) = _rows(
        cli_env, "SELECT email, password_hash, is_admin FROM owner"
    )
    assert email == "ada@example.org" and is_admin
    assert isinstance(password_hash, str) and password_hash.startswith("$argon2id$")
    dump = "\n".join(
        str(row)
        for table in ("owner", "api_token")
        for row in _rows(cli_env, f"SELECT * FROM {table}")
    )
    assert PASSWORD not in dump and token not in dump

    again = run_cli(
        cli_env, "admin", "create", "ada@example.org", "--name", "Ada", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert again.returncode == 2 and "exists already" in again.stdout
    short = run_cli(
        cli_env, "admin", "create", "bob@example.org", "--name", "Bob", "--password-stdin",
        stdin="short\n",
    )  # fmt: skip
    assert short.returncode == 2 and "password: at least" in short.stdout


def test_an_existing_account_is_made_admin_and_back(cli_env: dict[str, str]) -> None:
    from amplifier.db import Database
    from amplifier.owners.logins import sign_up

    db = Database(cli_env["AMPLIFIER_DATABASE_URL"])
    with db.session() as session:
        sign_up(session, email="cy@example.org", name="Cy", password=PASSWORD, now=utcnow())
    db.dispose()

    def admin_flag() -> object:
        return _rows(cli_env, "SELECT is_admin FROM owner WHERE email = 'cy@example.org'")[0][0]

    assert not admin_flag()
    granted = run_cli(cli_env, "admin", "grant", " CY@example.org ")
    assert granted.returncode == 0 and "is now an admin" in granted.stdout
    assert admin_flag()
    revoked = run_cli(cli_env, "admin", "revoke", "cy@example.org")
    assert revoked.returncode == 0 and "no longer an admin" in revoked.stdout
    assert not admin_flag()
    unknown = run_cli(cli_env, "admin", "grant", "nobody@example.org")
    assert unknown.returncode == 2 and "no account has the email" in unknown.stdout


def test_the_review_from_the_command_line_and_the_owner_sees_the_reason(
    cli_env: dict[str, str],
) -> None:
    assert run_cli(cli_env, "owner", "create", "Ada").returncode == 0
    deadline = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    release = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    for title in ("Clean air", "Buy my pills"):
        created = run_cli(
            cli_env, "campaign", "create", "--owner", "1", "--title", title,
            "--story", "Why.", "--text", f"{title} #Now", "--goal", "3",
            "--deadline", deadline, "--release", release, "--platforms", "x",
        )  # fmt: skip
        assert created.returncode == 0, created.stdout + created.stderr

    pending = run_cli(cli_env, "admin", "pending")
    assert "Clean air" in pending.stdout and "Buy my pills #Now" in pending.stdout
    assert run_cli(cli_env, "admin", "approve", "1").returncode == 0
    rejected = run_cli(cli_env, "admin", "reject", "2", "--reason", "Selling medicine.")
    assert rejected.returncode == 0, rejected.stdout
    shown = run_cli(cli_env, "campaign", "show", "2")
    assert "review: rejected · reason: Selling medicine." in shown.stdout
    assert "Clean air" not in run_cli(cli_env, "admin", "pending").stdout

    wrong = run_cli(cli_env, "admin", "suspend", "2", "--reason", "x")
    assert wrong.returncode == 1 and "not public" in wrong.stdout
    assert run_cli(cli_env, "admin", "suspend", "1", "--reason", "Reported.").returncode == 0
    assert "suspended: Reported." in run_cli(cli_env, "campaign", "show", "1").stdout
    assert run_cli(cli_env, "admin", "reinstate", "1").returncode == 0
    missing = run_cli(cli_env, "admin", "approve", "99")
    assert missing.returncode == 1 and "no campaign with id 99" in missing.stdout
