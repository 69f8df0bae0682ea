"""Owners and their API tokens. A token is shown once at creation; only its digest is stored.

A token can be revoked but not deleted, so its name and dates stay in the owner's list. Its
`last_used_at` is written at most once a minute, so a busy script does not write on every call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from amplifier.characters import character_problem
from amplifier.crypto import hash_secret, new_secret, plausible_secret
from amplifier.errors import InvalidInput
from amplifier.models import MAX_ID, ApiToken, Owner
from amplifier.timeutil import utcnow

TOKEN_PREFIX = "amp_"
MAX_TOKEN_NAME = 200
LAST_USED_RESOLUTION = timedelta(minutes=1)
_MAX_TOKEN_LENGTH = 200  # ours are 47 characters; longer is no token, and not worth a digest


@dataclass(frozen=True)
class NewOwner:
    owner: Owner
    token: str


class TokenNameError(InvalidInput):
    """A token name that is empty, too long, or holds characters a text field refuses."""


def create_owner(session: Session, *, name: str, token_name: str = "default") -> NewOwner:
    problem = character_problem(name, multiline=False)  # positions as typed
    if problem is not None:
        raise ValueError(f"name: {problem}")
    name = name.strip()
    if not name:
        raise ValueError("an owner needs a name")
    owner = Owner(name=name)
    session.add(owner)
    session.flush()
    assert owner.id is not None
    return NewOwner(owner=owner, token=create_token(session, owner_id=owner.id, name=token_name))


def check_token_name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise TokenNameError("name: give the token a name (e.g. the script that will use it)")
    if len(name) > MAX_TOKEN_NAME:
        raise TokenNameError(f"name: at most {MAX_TOKEN_NAME} characters")
    problem = character_problem(raw, multiline=False)  # positions as typed
    if problem is not None:
        raise TokenNameError(f"name: {problem}")
    return name


def issue_token(session: Session, *, owner_id: int, name: str) -> tuple[ApiToken, str]:
    """(the stored row, the token to show once); raises TokenNameError for an unusable name."""
    token = TOKEN_PREFIX + new_secret(32)
    row = ApiToken(owner_id=owner_id, name=check_token_name(name), token_hash=hash_secret(token))
    session.add(row)
    session.flush()
    return row, token


def create_token(session: Session, *, owner_id: int, name: str) -> str:
    return issue_token(session, owner_id=owner_id, name=name)[1]


def list_tokens(session: Session, *, owner_id: int) -> list[ApiToken]:
    return list(
        session.exec(
            select(ApiToken).where(ApiToken.owner_id == owner_id).order_by(col(ApiToken.id))
        )
    )


def owned_token(session: Session, *, owner_id: int, token_id: int) -> ApiToken | None:
    """The owner's token with this id; another owner's is None, exactly like a missing one."""
    if not 1 <= token_id <= MAX_ID:
        return None
    row = session.get(ApiToken, token_id)
    return row if row is not None and row.owner_id == owner_id else None


def revoke_token(session: Session, *, token: ApiToken, now: datetime) -> None:
    """Idempotent: revoking a revoked token keeps the first revocation's time."""
    if token.revoked_at is None:
        token.revoked_at = now
        session.add(token)
        session.flush()


def owner_for_token(session: Session, token: str, *, now: datetime | None = None) -> Owner | None:
    if not plausible_secret(token, prefix=TOKEN_PREFIX, max_length=_MAX_TOKEN_LENGTH):
        return None  # not a token we could have issued: unknown, whatever it holds
    row = session.exec(
        select(ApiToken).where(
            ApiToken.token_hash == hash_secret(token),
            col(ApiToken.revoked_at).is_(None),
        )
    ).first()
    if row is None:
        return None
    now = now or utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
        session.add(row)
        session.flush()
    return session.get(Owner, row.owner_id)
