"""The `amplifier` command as an operator uses it, and the refusals at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from amplifier.crypto import generate_fernet_key
from amplifier.db import Database, DatabaseNotMigrated, upgrade
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.app import create_app
from config.settings import Settings, SettingsError
from tests.conftest import make_settings


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "amplifier", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return {
        "AMPLIFIER_DATA_DIR": str(tmp_path / "data"),
        "AMPLIFIER_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "AMPLIFIER_X_CLIENT_ID": "cli-test",
        "COLUMNS": "200",
    }


def test_operator_creates_owner_and_campaign_then_lists_shows_and_cancels(
    cli_env: dict[str, str],
) -> None:
    assert run_cli(cli_env, "db", "upgrade").returncode == 0
    owner = run_cli(cli_env, "owner", "create", "Ada")
    assert owner.returncode == 0, owner.stderr
    token = owner.stdout.strip().splitlines()[-1]
    assert token.startswith("amp_")
    deadline = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    release = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    created = run_cli(
        cli_env, "campaign", "create", "--owner", "1", "--title", "Clean air",
        "--story", "We breathe it.", "--text", "Clean air now #CleanAir", "--goal", "3",
        "--deadline", deadline, "--release", release, "--platforms", "x,mastodon",
    )  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr
    assert "signup link: http://127.0.0.1:8000/c/clean-air-" in created.stdout
    assert "automation rules" in created.stdout
    listed = run_cli(cli_env, "campaign", "list")
    assert "Clean air" in listed.stdout and "open" in listed.stdout
    shown = run_cli(cli_env, "campaign", "show", "1")
    assert shown.returncode == 0 and "0/3 supporters" in shown.stdout
    assert run_cli(cli_env, "campaign", "cancel", "1").returncode == 0
    again = run_cli(cli_env, "campaign", "cancel", "1")
    assert again.returncode == 1 and "cannot be cancelled" in again.stdout


def test_cli_refuses_a_bad_campaign_with_the_rule(cli_env: dict[str, str]) -> None:
    run_cli(cli_env, "db", "upgrade")
    run_cli(cli_env, "owner", "create", "Ada")
    soon = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    bad = run_cli(
        cli_env, "campaign", "create", "--owner", "1", "--title", "t", "--story", "s",
        "--text", "x" * 300, "--goal", "0", "--deadline", soon, "--release", soon,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "goal" in bad.stdout and "greater than or equal to 1" in bad.stdout
    assert "Campaign" not in run_cli(cli_env, "campaign", "list").stdout.split("signup link")[-1]


def test_web_refuses_to_start_on_an_unmigrated_database(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    refused = run_cli(cli_env, "web", "--port", "1")
    assert refused.returncode == 1
    assert "run `amplifier db upgrade` first" in refused.stdout
    settings = make_settings(tmp_path, cli_env["AMPLIFIER_DATABASE_URL"], None)
    with pytest.raises(DatabaseNotMigrated, match="is empty"):
        create_app(Runtime.from_settings(settings))


def test_up_refuses_to_start_on_an_unmigrated_database(cli_env: dict[str, str]) -> None:
    refused = run_cli(cli_env, "up")
    assert refused.returncode == 1
    assert "amplifier db upgrade" in refused.stdout


def test_migrated_database_passes_the_check(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ok.sqlite3'}"
    upgrade(url)
    settings = make_settings(tmp_path, url, None)
    assert create_app(Runtime.from_settings(settings)) is not None
    Database(url).dispose()


def test_production_refuses_default_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("AMPLIFIER_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AMPLIFIER_ENV", "production")
    with pytest.raises((SettingsError, ValidationError), match="AMPLIFIER_TOKEN_KEYS"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    refused = run_cli({"AMPLIFIER_ENV": "production"}, "campaign", "list")
    assert refused.returncode == 2
    assert "production mode needs AMPLIFIER_TOKEN_KEYS" in refused.stdout


def test_production_refuses_to_lift_the_egress_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("AMPLIFIER_"):
            monkeypatch.delenv(key)
    real = {
        "AMPLIFIER_ENV": "production",
        "AMPLIFIER_TOKEN_KEYS": generate_fernet_key(),
        "AMPLIFIER_SIGNING_KEY": "s" * 32,
        "AMPLIFIER_DATABASE_URL": "postgresql://db/amplifier",
        "AMPLIFIER_REDIS_URL": "redis://redis:6379/0",
        "AMPLIFIER_PUBLIC_URL": "https://amplifier.example",
    }
    for key, value in real.items():
        monkeypatch.setenv(key, value)
    assert Settings(_env_file=None).env == "production"  # type: ignore[call-arg]
    monkeypatch.setenv("AMPLIFIER_MASTODON_ALLOW_HTTP", "true")
    with pytest.raises((SettingsError, ValidationError), match="MASTODON_ALLOW_HTTP"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_development_keys_are_generated_once_and_private(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    first = settings.fernet_keys()
    assert settings.fernet_keys() == first
    assert (tmp_path / "dev-keys.json").stat().st_mode & 0o077 == 0
