"""Owner web accounts: sign-up, passwords (argon2id) and login sessions.

Passwords are hashed with argon2id (argon2-cffi's `PasswordHasher`, its RFC 9106 low-memory
profile by default); a hash made with older parameters is replaced at the next successful login.
An unknown email costs the same hashing time as a known one (a dummy hash is verified), so the
login form does not tell who has an account by how long it takes.

A session cookie holds a random token; the database keeps only its SHA-256 digest, so a leaked
database does not log anyone in. Sessions expire (`web_session_ttl_s`), are deleted on logout,
and all of an owner's are deleted on a password change (every other browser is logged out).
Expired rows are purged whenever someone logs in.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from amplifier.characters import character_problem, refused_characters
from amplifier.crypto import hash_secret, new_secret, plausible_secret
from amplifier.errors import Conflict, InvalidInput
from amplifier.models import Owner, WebSession

MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 takes any length; this only bounds the work a request can ask for
MAX_EMAIL = 254  # RFC 5321's limit on a forward path
MAX_NAME = 200
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")

DEFAULT_HASHER = PasswordHasher()


class AccountError(InvalidInput):
    """A sign-up, login or password change that cannot be done; the message says what to fix."""


class EmailTaken(Conflict, AccountError):
    """An owner already signed up with this address."""


class WrongPassword(AccountError):
    pass


def _has_control_chars(text: str) -> bool:
    return bool(refused_characters(text, multiline=False))


def normalise_email(raw: str) -> str:
    """Trimmed and lower-cased: one owner per mailbox however it is typed."""
    email = raw.strip().lower()
    if not email:
        raise AccountError("email: enter your email address")
    if len(email) > MAX_EMAIL:
        raise AccountError(f"email: at most {MAX_EMAIL} characters")
    if _has_control_chars(email) or not _EMAIL.fullmatch(email):
        raise AccountError("email: this does not look like an email address (name@example.org)")
    return email


def check_name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise AccountError("name: enter the name supporters will see as the organiser")
    if len(name) > MAX_NAME:
        raise AccountError(f"name: at most {MAX_NAME} characters")
    problem = character_problem(raw, multiline=False)  # positions as typed
    if problem is not None:
        raise AccountError(f"name: {problem}")
    return name


def check_new_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"password: at most {MAX_PASSWORD} characters")
    if not password.strip():
        raise AccountError("password: must not be only spaces")
    return password


def owner_by_email(session: Session, email: str) -> Owner | None:
    return session.exec(select(Owner).where(Owner.email == email)).first()


def sign_up(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    now: datetime,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> Owner:
    """A new owner who logs in with email and password (and may make API tokens later)."""
    email = normalise_email(email)
    name = check_name(name)
    check_new_password(password)
    taken = EmailTaken("email: an account with this address exists already; log in instead")
    if owner_by_email(session, email) is not None:
        raise taken
    owner = Owner(
        name=name, email=email, password_hash=hasher.hash(password), password_changed_at=now
    )
    try:
        with session.begin_nested():  # two sign-ups racing for one address: the loser is told
            session.add(owner)
    except IntegrityError:
        raise taken from None
    return owner


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(new_secret(16))


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> Owner | None:
    """The owner with this email and password, or None; the same work either way."""
    try:
        email = normalise_email(email)
    except AccountError:
        email = ""
    owner = owner_by_email(session, email) if email else None
    if len(password) > MAX_PASSWORD:
        return None  # no account has such a password; length is no secret
    stored = owner.password_hash if owner is not None else None
    try:
        hasher.verify(stored or _dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        return None
    if owner is None or stored is None:
        return None
    if hasher.check_needs_rehash(stored):
        owner.password_hash = hasher.hash(password)
        session.add(owner)
        session.flush()
    return owner


def change_password(
    session: Session,
    *,
    owner: Owner,
    current: str,
    new: str,
    now: datetime,
    ttl_s: int,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> str:
    """Checks the current password, logs every browser out, returns this browser's new cookie."""
    assert owner.id is not None
    stored = owner.password_hash
    try:
        if stored is None or len(current) > MAX_PASSWORD:
            raise VerificationError()
        hasher.verify(stored, current)
    except (VerificationError, InvalidHashError):
        raise WrongPassword("current password: this is not your current password") from None
    check_new_password(new)
    owner.password_hash = hasher.hash(new)
    owner.password_changed_at = now
    session.add(owner)
    end_all_sessions(session, owner_id=owner.id)
    return start_session(session, owner_id=owner.id, now=now, ttl_s=ttl_s)


def log_in(
    session: Session,
    *,
    email: str,
    password: str,
    now: datetime,
    ttl_s: int,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> tuple[Owner, str] | None:
    """(owner, a fresh session cookie) — a new token at every login, so none can be fixed."""
    owner = authenticate(session, email=email, password=password, hasher=hasher)
    if owner is None:
        return None
    assert owner.id is not None
    purge_expired_sessions(session, now=now)
    return owner, start_session(session, owner_id=owner.id, now=now, ttl_s=ttl_s)


def start_session(session: Session, *, owner_id: int, now: datetime, ttl_s: int) -> str:
    """A new login for `owner_id`; returns the cookie value (shown once, stored as a digest)."""
    token = new_secret(32)
    session.add(
        WebSession(
            owner_id=owner_id,
            token_hash=hash_secret(token),
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_s),
            last_seen_at=now,
        )
    )
    session.flush()
    return token


def owner_for_session(session: Session, token: str, *, now: datetime) -> Owner | None:
    """The owner logged in with this cookie value, or None if it is unknown or expired."""
    if not plausible_secret(token):
        return None
    row = session.exec(
        select(WebSession).where(WebSession.token_hash == hash_secret(token))
    ).first()
    if row is None or row.expires_at <= now:
        return None
    return session.get(Owner, row.owner_id)


def end_session(session: Session, token: str) -> None:
    """Logout: this browser's session row goes; a stolen copy of the cookie dies with it."""
    if not plausible_secret(token):
        return
    row = session.exec(
        select(WebSession).where(WebSession.token_hash == hash_secret(token))
    ).first()
    if row is not None:
        session.delete(row)
        session.flush()


def end_all_sessions(session: Session, *, owner_id: int) -> None:
    session.exec(delete(WebSession).where(col(WebSession.owner_id) == owner_id))  # type: ignore[call-overload]
    session.flush()


def purge_expired_sessions(session: Session, *, now: datetime) -> None:
    """Expired rows would only be refused; deleting them keeps the table to live logins."""
    session.exec(delete(WebSession).where(col(WebSession.expires_at) <= now))  # type: ignore[call-overload]
    session.flush()
