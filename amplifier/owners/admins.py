"""Admins: owners with `is_admin`, who review every owner's campaigns.

An admin logs in on the web like any owner (email and password, hashed by logins.py) and also
gets an API token for the admin API and scripts. Admins are made only from the command line
(`amplifier admin create`): nothing on the web can grant the flag.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from amplifier.models import Owner
from amplifier.owners.api_tokens import NewOwner, create_token
from amplifier.owners.logins import AccountError, normalise_email, sign_up


def create_admin(
    session: Session, *, email: str, name: str, password: str, now: datetime
) -> NewOwner:
    """A new admin account and its first API token (shown once); raises AccountError."""
    owner = sign_up(session, email=email, name=name, password=password, now=now)
    owner.is_admin = True
    session.add(owner)
    session.flush()
    assert owner.id is not None
    return NewOwner(owner=owner, token=create_token(session, owner_id=owner.id, name="admin"))


def set_admin(session: Session, *, email: str, admin: bool) -> Owner:
    """Grant or withdraw review rights of an existing web account; raises AccountError."""
    address = normalise_email(email)
    owner = session.exec(select(Owner).where(Owner.email == address)).first()
    if owner is None:
        raise AccountError(f"no account has the email {address}")
    owner.is_admin = admin
    session.add(owner)
    session.flush()
    return owner


def is_admin(owner: Owner | None) -> bool:
    return owner is not None and owner.is_admin
