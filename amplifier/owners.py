"""Owners and their API tokens. A token is shown once at creation; only its digest is stored."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from amplifier.crypto import hash_secret, new_secret
from amplifier.models import ApiToken, Owner

TOKEN_PREFIX = "amp_"


@dataclass(frozen=True)
class NewOwner:
    owner: Owner
    token: str


def create_owner(session: Session, *, name: str, token_name: str = "default") -> NewOwner:
    name = name.strip()
    if not name:
        raise ValueError("an owner needs a name")
    owner = Owner(name=name)
    session.add(owner)
    session.flush()
    assert owner.id is not None
    return NewOwner(owner=owner, token=create_token(session, owner_id=owner.id, name=token_name))


def create_token(session: Session, *, owner_id: int, name: str) -> str:
    token = TOKEN_PREFIX + new_secret(32)
    session.add(ApiToken(owner_id=owner_id, name=name, token_hash=hash_secret(token)))
    session.flush()
    return token


def owner_for_token(session: Session, token: str) -> Owner | None:
    row = session.exec(
        select(ApiToken).where(
            ApiToken.token_hash == hash_secret(token),
            ApiToken.revoked_at.is_(None),  # type: ignore[union-attr]
        )
    ).first()
    if row is None:
        return None
    return session.get(Owner, row.owner_id)
