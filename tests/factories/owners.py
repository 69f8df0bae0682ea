"""Owners: one with an API token (the API's and CLI's way in), one with a confirmed address."""

from __future__ import annotations

from sqlmodel import Session

from amplifier.models import Owner
from amplifier.owners.api_tokens import NewOwner, create_owner
from amplifier.owners.logins import sign_up
from amplifier.timeutil import utcnow

PASSWORD = "correct horse battery"


def owner(session: Session, name: str = "Owner") -> NewOwner:
    return create_owner(session, name=name)


def verified_owner(session: Session, email: str = "ada@example.org") -> Owner:
    """An owner who signed up on the web and confirmed their address (mail reaches them)."""
    owner = sign_up(session, email=email, name="Ada", password=PASSWORD, now=utcnow())
    owner.email_verified_at = utcnow()
    session.add(owner)
    session.flush()
    return owner
