"""`amplifier keys rotate`: every stored secret moves onto the newest key, without clobbering."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlmodel import SQLModel, select

from amplifier.crypto import TokenCipher, generate_fernet_key
from amplifier.db import Database
from amplifier.models import MastodonApp, OAuthAttempt, Pledge
from amplifier.owners.key_rotation import SECRET_COLUMNS, rotate_secrets
from amplifier.timeutil import utcnow
from tests import factories
from tests.cli.test_cli_and_startup import run_cli

KEY_A = generate_fernet_key().encode()
KEY_B = generate_fernet_key().encode()


def _secrets(n: int) -> dict[str, str]:
    return {
        "access": f"access-token-{n}",
        "refresh": f"refresh-token-{n}",
        "verifier": f"code-verifier-{n}",
        "client": f"client-secret-{n}",
    }


def _fill(db: Database, cipher: TokenCipher, *, pledges: int) -> list[tuple[str, int, str, str]]:
    """Rows holding secrets under `cipher`'s newest key; returns (table, id, column, plaintext)."""
    held: list[tuple[str, int, str, str]] = []
    with db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(session, owner.owner.id)
        assert campaign.id is not None
        for n in range(pledges):
            s = _secrets(n)
            pledge = Pledge(
                campaign_id=campaign.id,
                platform="x",
                account_id=f"acct-{n}",
                handle=f"@user{n}",
                post_text=campaign.post_text(),
                access_token_enc=cipher.encrypt(s["access"]),
                refresh_token_enc=cipher.encrypt(s["refresh"]) if n % 2 == 0 else None,
            )
            session.add(pledge)
            attempt = OAuthAttempt(
                state=f"state-{n}",
                browser_hash="0" * 64,
                campaign_id=campaign.id,
                platform="x",
                code_verifier_enc=cipher.encrypt(s["verifier"]),
                access_token_enc=cipher.encrypt(s["access"] + "-attempt"),
                expires_at=utcnow(),
            )
            session.add(attempt)
            app = MastodonApp(
                instance_url=f"https://m{n}.example",
                redirect_uri="https://amplifier.example/oauth/mastodon/callback",
                client_id=f"client-{n}",
                client_secret_enc=cipher.encrypt(s["client"]),
            )
            session.add(app)
            session.flush()
            assert pledge.id and attempt.id and app.id
            held.append(("pledge", pledge.id, "access_token_enc", s["access"]))
            if n % 2 == 0:
                held.append(("pledge", pledge.id, "refresh_token_enc", s["refresh"]))
            held.append(("oauth_attempt", attempt.id, "code_verifier_enc", s["verifier"]))
            held.append(("oauth_attempt", attempt.id, "access_token_enc", s["access"] + "-attempt"))
            held.append(("mastodon_app", app.id, "client_secret_enc", s["client"]))
    return held


def _stored(db: Database, table: str, row_id: int, column: str) -> str:
    with db.engine.connect() as conn:
        value = conn.execute(
            sa.text(f"SELECT {column} FROM {table} WHERE id = :id"), {"id": row_id}
        )
        result: str = value.scalar_one()
        return result


def test_rotation_moves_every_secret_onto_the_newest_key(database: Database) -> None:
    held = _fill(database, TokenCipher([KEY_A]), pledges=7)
    both = TokenCipher([KEY_B, KEY_A])  # several keys read, the newest writes
    assert both.decrypt(_stored(database, *held[0][:3])) == held[0][3]
    assert Fernet(KEY_B).decrypt(both.encrypt("x").encode()) == b"x"

    report = rotate_secrets(database, [KEY_B, KEY_A], batch_size=3)  # several pages per table

    assert report.complete and report.changed == 0 and report.unreadable == []
    assert report.rotated == len(held)
    counts = {t.table: (t.rows, t.rotated) for t in report.tables}
    assert counts == {"pledge": (7, 11), "oauth_attempt": (7, 14), "mastodon_app": (7, 7)}
    only_b = TokenCipher([KEY_B])  # the old key is gone from the configuration
    for table, row_id, column, plaintext in held:
        assert only_b.decrypt(_stored(database, table, row_id, column)) == plaintext

    again = rotate_secrets(database, [KEY_B, KEY_A], batch_size=3)
    assert again.complete and again.rotated == 0
    assert sum(t.current for t in again.tables) == len(held)


def test_a_row_changed_during_the_rotation_is_left_for_the_next_run(database: Database) -> None:
    old = TokenCipher([KEY_A])
    held = _fill(database, old, pledges=4)
    new = TokenCipher([KEY_B, KEY_A])
    victim = next(h for h in held if h[0] == "pledge")
    service_wrote = f"refreshed-{victim[3]}"

    def meanwhile(table: str, ids: list[int]) -> None:
        # a service process still on the old configuration refreshes a token right now
        if table == "pledge" and victim[1] in ids:
            with database.session() as session:
                row = session.get(Pledge, victim[1])
                assert row is not None
                row.access_token_enc = old.encrypt(service_wrote)
                session.add(row)

    first = rotate_secrets(database, [KEY_B, KEY_A], batch_size=2, after_read=meanwhile)
    assert not first.complete
    pledges = next(t for t in first.tables if t.table == "pledge")
    assert pledges.changed == 2  # the victim's row (access and refresh): left untouched
    # the service's write survived: not clobbered with the rotated old value
    assert new.decrypt(_stored(database, *victim[:3])) == service_wrote
    assert (
        new.decrypt(_stored(database, "pledge", victim[1], "refresh_token_enc"))
        == (_secrets(0)["refresh"])
    )
    second = rotate_secrets(database, [KEY_B, KEY_A])
    assert second.complete and second.rotated == 2
    assert TokenCipher([KEY_B]).decrypt(_stored(database, *victim[:3])) == service_wrote


def test_a_secret_under_an_unknown_key_is_reported_and_the_run_goes_on(
    database: Database,
) -> None:
    held = _fill(database, TokenCipher([KEY_A]), pledges=3)
    stranger = generate_fernet_key().encode()
    lost = held[1]  # a pledge's refresh token, encrypted under a key nobody configured
    with database.engine.begin() as conn:
        conn.execute(
            sa.text(f"UPDATE {lost[0]} SET {lost[2]} = :v WHERE id = :id"),
            {"v": Fernet(stranger).encrypt(b"lost").decode(), "id": lost[1]},
        )
    with database.engine.begin() as conn:  # and one value that is not a Fernet token at all
        conn.execute(sa.text("UPDATE mastodon_app SET client_secret_enc = 'garbage' WHERE id = 1"))

    report = rotate_secrets(database, [KEY_B, KEY_A])

    assert not report.complete
    assert {(u.table, u.row_id, u.column) for u in report.unreadable} == {
        (lost[0], lost[1], lost[2]),
        ("mastodon_app", 1, "client_secret_enc"),
    }
    only_b = TokenCipher([KEY_B])
    for table, row_id, column, plaintext in held:
        if (table, row_id, column) in {lost[:3], ("mastodon_app", 1, "client_secret_enc")}:
            continue
        assert only_b.decrypt(_stored(database, table, row_id, column)) == plaintext


def test_dry_run_writes_nothing(database: Database) -> None:
    held = _fill(database, TokenCipher([KEY_A]), pledges=2)
    before = [_stored(database, *h[:3]) for h in held]
    report = rotate_secrets(database, [KEY_B, KEY_A], dry_run=True)
    assert not report.complete and report.rotated == 0
    assert [_stored(database, *h[:3]) for h in held] == before


def test_every_encrypted_column_is_rotated() -> None:
    """A new `*_enc` column must join SECRET_COLUMNS, or rotation would strand it."""
    encrypted = {
        (table.name, column.name)
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if column.name.endswith("_enc")
    }
    rotated = {(spec.table.name, name) for spec in SECRET_COLUMNS for name in spec.columns}
    assert encrypted == rotated


def test_the_command_rotates_and_says_when_the_old_key_can_go(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rotate.sqlite3'}"
    env = {"AMPLIFIER_DATA_DIR": str(tmp_path / "data"), "AMPLIFIER_DATABASE_URL": url}
    assert run_cli(env, "db", "upgrade").returncode == 0
    db = Database(url)
    held = _fill(db, TokenCipher([KEY_A]), pledges=3)
    keys = f"{KEY_B.decode()},{KEY_A.decode()}"

    check = run_cli({**env, "AMPLIFIER_TOKEN_KEYS": keys}, "keys", "rotate", "--dry-run")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "dry run, nothing written" in check.stdout

    done = run_cli({**env, "AMPLIFIER_TOKEN_KEYS": keys}, "keys", "rotate", "--batch-size", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "older keys can be removed" in done.stdout
    for secret in (h[3] for h in held):
        assert secret not in done.stdout + done.stderr
    with db.session() as session:
        pledge = session.exec(select(Pledge)).first()
        assert pledge is not None and pledge.access_token_enc is not None
        assert TokenCipher([KEY_B]).decrypt(pledge.access_token_enc) == "access-token-0"

    only_b = run_cli({**env, "AMPLIFIER_TOKEN_KEYS": KEY_B.decode()}, "keys", "rotate")
    assert only_b.returncode == 0, only_b.stdout
    db.dispose()


@pytest.mark.parametrize("bad", [0, -1])
def test_batch_size_must_be_positive(database: Database, bad: int) -> None:
    with pytest.raises(ValueError):
        rotate_secrets(database, [KEY_A], batch_size=bad)
