"""The account rules themselves (amplifier/owners/logins.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from amplifier.db import Database
from amplifier.models import Owner, WebSession
from amplifier.owners.logins import (
    DEFAULT_HASHER,
    AccountError,
    EmailTaken,
    WrongPassword,
    authenticate,
    change_password,
    log_in,
    owner_for_session,
    purge_expired_sessions,
    sign_up,
    start_session,
)
from amplifier.timeutil import utcnow

PASSWORD = "correct horse battery"
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def test_sign_up_normalises_the_email_and_stores_only_an_argon2id_hash(database: Database) -> None:
    with database.session() as session:
        owner = sign_up(
            session, email="  Ada@Example.ORG ", name=" Ada ", password=PASSWORD, now=utcnow()
        )
    with database.session() as session:
        row = session.exec(select(Owner).where(Owner.id == owner.id)).one()
    assert row.email == "ada@example.org" and row.name == "Ada"
    assert row.password_hash is not None and row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    assert row.password_changed_at is not None


def test_an_email_has_one_account_whatever_its_case(database: Database) -> None:
    with database.session() as session:
        sign_up(session, email="ada@example.org", name="Ada", password=PASSWORD, now=utcnow())
    with database.session() as session, pytest.raises(EmailTaken, match="exists already"):
        sign_up(session, email="ADA@example.org", name="Ada 2", password=PASSWORD, now=utcnow())
    with database.session() as session:
        assert len(session.exec(select(Owner)).all()) == 1


@pytest.mark.parametrize(
    ("email", "name", "password", "problem"),
    [
        ("not-an-email", "Ada", PASSWORD, "email: this does not look like"),
        ("a@b", "Ada", PASSWORD, "email: this does not look like"),
        ("", "Ada", PASSWORD, "email: enter"),
        ("a\x00b@example.org", "Ada", PASSWORD, "email: this does not look like"),
        ("x" * 250 + "@example.org", "Ada", PASSWORD, "email: at most 254"),
        ("ada@example.org", "   ", PASSWORD, "name: enter"),
        ("ada@example.org", "x" * 201, PASSWORD, "name: at most 200"),
        ("ada@example.org", "Ada\x00", PASSWORD, "name: character 4 is U+0000 (NUL)"),
        ("ada@example.org", "Ada", "short", "password: at least 10"),
        ("ada@example.org", "Ada", "p" * 1025, "password: at most 1024"),
        ("ada@example.org", "Ada", " " * 12, "password: must not be only spaces"),
    ],
)
def test_sign_up_refuses_with_the_rule(
    database: Database, email: str, name: str, password: str, problem: str
) -> None:
    with database.session() as session, pytest.raises(AccountError) as caught:
        sign_up(session, email=email, name=name, password=password, now=utcnow(), hasher=CHEAP)
    assert str(caught.value).startswith(problem)
    with database.session() as session:
        assert session.exec(select(Owner)).all() == []


def test_authenticate_knows_the_right_password_only(database: Database) -> None:
    with database.session() as session:
        sign_up(session, email="ada@example.org", name="Ada", password=PASSWORD, now=utcnow())
    with database.session() as session:
        assert authenticate(session, email=" ADA@example.org", password=PASSWORD) is not None
        assert authenticate(session, email="ada@example.org", password=PASSWORD + "x") is None
        assert authenticate(session, email="bob@example.org", password=PASSWORD) is None
        assert authenticate(session, email="garbage", password=PASSWORD) is None
        assert authenticate(session, email="ada@example.org", password="p" * 5000) is None


def test_an_api_only_owner_cannot_log_in_with_any_password(database: Database) -> None:
    with database.session() as session:
        session.add(Owner(name="CLI owner", email="cli@example.org"))  # no password_hash
    with database.session() as session:
        assert authenticate(session, email="cli@example.org", password="") is None
        assert authenticate(session, email="cli@example.org", password=PASSWORD) is None


def test_a_hash_with_old_parameters_is_replaced_at_login(database: Database) -> None:
    with database.session() as session:
        sign_up(session, email="ada@example.org", name="Ada", password=PASSWORD, now=utcnow(),
                hasher=CHEAP)  # fmt: skip
    with database.session() as session:
        old = session.exec(select(Owner)).one().password_hash
        assert old is not None and DEFAULT_HASHER.check_needs_rehash(old)
        assert authenticate(session, email="ada@example.org", password=PASSWORD) is not None
    with database.session() as session:
        new = session.exec(select(Owner)).one().password_hash
        assert new != old and new is not None and not DEFAULT_HASHER.check_needs_rehash(new)
        assert authenticate(session, email="ada@example.org", password=PASSWORD) is not None
        assert session.exec(select(Owner)).one().password_hash == new  # no needless rehash


class _CountingHasher(PasswordHasher):
    """argon2's own hasher, counting the hashes it verifies (timing it made a flaky test)."""

    verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        type(self).verified += 1
        return super().verify(hash, password)


def test_an_unknown_email_costs_the_same_hashing_as_a_wrong_password(database: Database) -> None:
    """An unknown address must cost one argon2 verification, like a known one with a wrong
    password, so that the answer's time does not tell which addresses have accounts."""
    hasher = _CountingHasher(time_cost=1, memory_cost=8, parallelism=1)
    with database.session() as session:
        sign_up(session, email="ada@example.org", name="Ada", password=PASSWORD, now=utcnow(),
                hasher=hasher)  # fmt: skip
    for email in ("ada@example.org", "nobody@example.org", "nobody@example.org"):
        before = _CountingHasher.verified
        with database.session() as session:
            assert (
                authenticate(session, email=email, password="wrong password", hasher=hasher) is None
            )
        assert _CountingHasher.verified - before == 1, email


def test_each_login_starts_a_new_session_and_purges_expired_ones(database: Database) -> None:
    now = utcnow()
    with database.session() as session:
        owner = sign_up(session, email="ada@example.org", name="Ada", password=PASSWORD, now=now,
                        hasher=CHEAP)  # fmt: skip
        assert owner.id is not None
        stale = start_session(session, owner_id=owner.id, now=now - timedelta(hours=2), ttl_s=60)
    with database.session() as session:
        assert owner_for_session(session, stale, now=now) is None  # expired: refused
        first = log_in(session, email="ada@example.org", password=PASSWORD, now=now, ttl_s=600)
        second = log_in(session, email="ada@example.org", password=PASSWORD, now=now, ttl_s=600)
        assert first is not None and second is not None and first[1] != second[1]
    with database.session() as session:
        assert len(session.exec(select(WebSession)).all()) == 2  # the expired row is gone
        assert log_in(session, email="ada@example.org", password="nope", now=now, ttl_s=60) is None
        purge_expired_sessions(session, now=now + timedelta(seconds=601))
        assert session.exec(select(WebSession)).all() == []


def test_change_password_checks_the_current_one_and_ends_every_session(
    database: Database,
) -> None:
    now = utcnow()
    with database.session() as session:
        owner = sign_up(session, email="ada@example.org", name="Ada", password=PASSWORD, now=now)
        assert owner.id is not None
        laptop = start_session(session, owner_id=owner.id, now=now, ttl_s=600)
        phone = start_session(session, owner_id=owner.id, now=now, ttl_s=600)
    with database.session() as session:
        owner = session.exec(select(Owner)).one()
        with pytest.raises(WrongPassword):
            change_password(session, owner=owner, current="not it at all", new="a new password",
                            now=now, ttl_s=600)  # fmt: skip
        with pytest.raises(AccountError, match="at least 10"):
            change_password(session, owner=owner, current=PASSWORD, new="short", now=now,
                            ttl_s=600)  # fmt: skip
        assert owner_for_session(session, laptop, now=now) is not None  # nothing changed yet
    with database.session() as session:
        owner = session.exec(select(Owner)).one()
        fresh = change_password(session, owner=owner, current=PASSWORD, new="a new password",
                                now=now, ttl_s=600)  # fmt: skip
    with database.session() as session:
        assert owner_for_session(session, laptop, now=now) is None
        assert owner_for_session(session, phone, now=now) is None
        assert owner_for_session(session, fresh, now=now) is not None
        assert authenticate(session, email="ada@example.org", password=PASSWORD) is None
        assert authenticate(session, email="ada@example.org", password="a new password")
