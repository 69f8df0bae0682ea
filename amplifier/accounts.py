"""Owner web accounts: passwords (argon2id) and login sessions.

A session cookie holds a random token; the database keeps only its SHA-256 digest, so a leaked
database does not log anyone in. Sessions expire (`web_session_ttl_s`) and are deleted on logout
and on password change (every other browser is logged out too).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from amplifier.crypto import hash_secret, new_secret
from amplifier.models import Owner, WebSession


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
    if not token or len(token) > 200:
        return None
    row = session.exec(
        select(WebSession).where(WebSession.token_hash == hash_secret(token))
    ).first()
    if row is None or row.expires_at <= now:
        return None
    return session.get(Owner, row.owner_id)


def end_session(session: Session, token: str) -> None:
    row = session.exec(
        select(WebSession).where(WebSession.token_hash == hash_secret(token))
    ).first()
    if row is not None:
        session.delete(row)
        session.flush()
