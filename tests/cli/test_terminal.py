"""The CLI as an operator meets it in a script or a terminal: readable help, piped passwords,
and a plain sentence (not a traceback) when the database has no schema yet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_admin import PASSWORD, run_cli


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {
        "AMPLIFIER_DATA_DIR": str(tmp_path / "data"),
        "AMPLIFIER_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
    }
    assert run_cli(env, "db", "upgrade").returncode == 0
    return env


@pytest.mark.parametrize(
    "command",
    [[], ["demo"], ["admin", "create"], ["campaign", "create"], ["release-due"], ["db"]],
)
def test_help_shows_no_type_tags_for_flags(tmp_path: Path, command: list[str]) -> None:
    shown = run_cli({"AMPLIFIER_DATA_DIR": str(tmp_path)}, *command, "--help")
    assert shown.returncode == 0, shown.stderr
    assert "<bool>" not in shown.stdout and "Usage:" in shown.stdout


def test_admin_create_reads_a_piped_password_without_the_flag(cli_env: dict[str, str]) -> None:
    made = run_cli(
        cli_env, "admin", "create", "ada@example.org", "--name", "Ada", stdin=PASSWORD + "\n"
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert made.stdout.strip().splitlines()[-1].startswith("amp_")
    assert "Aborted" not in made.stdout + made.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["admin", "pending"],
        ["owner", "create", "Ada"],
        ["campaign", "list"],
    ],
)
def test_commands_on_an_empty_database_say_to_migrate(tmp_path: Path, command: list[str]) -> None:
    env = {
        "AMPLIFIER_DATA_DIR": str(tmp_path / "data"),
        "AMPLIFIER_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    ran = run_cli(env, *command)
    assert ran.returncode == 1
    assert "run `amplifier db upgrade` first" in " ".join(ran.stdout.split())
    assert "Traceback" not in ran.stdout + ran.stderr
