"""Owners' addresses: verification at sign-up and on change, and password reset by mail.

    request_verification(session, owner, settings=, now=)        mails the address to verify
    request_address_change(session, owner, new, settings=, now=) verified at the new address
    confirm_address(session, token, key=, now=) -> Owner          the link's landing
    request_reset(session, email, settings=, now=)                silent for unknown addresses
    owner_for_reset(session, token, key=, now=) -> Owner          the link is still good
    reset_password(session, token, new, key=, now=) -> Owner      once; every session ends

Links are signed and expiring (links.py); a reset link signs a digest of the current password
hash, so it works once. A request re-sent within the same window queues no second mail
(the outbox's dedup key), which also caps how often anyone can make us mail an address.
Errors: `LinkInvalid` / `LinkExpired` (links.py), `AccountError` and its `EmailTaken`.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from amplifier.models import Owner
from amplifier.notify.links import (
    LinkInvalid,
    address_digest,
    password_digest,
    read_token,
)
from amplifier.notify.messages import expiry
from amplifier.notify.outbox import enqueue
from amplifier.owners.logins import (
    DEFAULT_HASHER,
    EmailTaken,
    check_new_password,
    end_all_sessions,
    normalise_email,
    owner_by_email,
)
from config.settings import Settings

REQUEST_WINDOW_S = 600  # one mail of each kind per address per ten minutes, however often asked


def _window(now: datetime) -> int:
    return int(now.timestamp()) // REQUEST_WINDOW_S


def request_verification(
    session: Session, owner: Owner, *, settings: Settings, now: datetime
) -> bool:
    """Mail a link to the address waiting for verification (a change) or the current one."""
    address = owner.pending_email or owner.email
    if address is None or (owner.pending_email is None and owner.email_verified_at is not None):
        return False
    return enqueue(
        session,
        kind="verify_address",
        recipient=address,
        dedup_key=f"verify:{owner.id}:{address_digest(address)}:{_window(now)}",
        owner_id=owner.id,
        context={
            "address": address_digest(address),
            "expires": expiry(now, settings.mail_verify_ttl_s),
        },
    )


def request_address_change(
    session: Session, owner: Owner, new_email: str, *, settings: Settings, now: datetime
) -> str:
    """The new address is kept aside until its link is opened; the old one stays in use."""
    address = normalise_email(new_email)
    if address == owner.email:
        raise EmailTaken("email: this is already your address")
    if owner_by_email(session, address) is not None:
        raise EmailTaken("email: another account uses this address")
    owner.pending_email = address
    session.add(owner)
    session.flush()
    request_verification(session, owner, settings=settings, now=now)
    return address


def confirm_address(session: Session, token: str, *, key: bytes, now: datetime) -> Owner:
    owner_id, digest = read_token(key, token, "verify", 2, now=now)
    owner = session.get(Owner, int(owner_id)) if owner_id.isdigit() else None
    if owner is None:
        raise LinkInvalid("this link is not complete or not one of ours")
    if owner.pending_email and address_digest(owner.pending_email) == digest:
        if owner_by_email(session, owner.pending_email) is not None:
            raise EmailTaken("another account has taken this address meanwhile")
        owner.email = owner.pending_email
        owner.pending_email = None
    elif not (owner.email and address_digest(owner.email) == digest):
        raise LinkInvalid("this link is for an address that is no longer on the account")
    owner.email_verified_at = now
    session.add(owner)
    session.flush()
    return owner


def request_reset(session: Session, email: str, *, settings: Settings, now: datetime) -> None:
    """Queue a reset link if an account has this address; say nothing either way."""
    try:
        address = normalise_email(email)
    except ValueError:
        return
    owner = owner_by_email(session, address)
    if owner is None or owner.password_hash is None:
        return
    enqueue(
        session,
        kind="password_reset",
        recipient=address,
        dedup_key=f"reset:{owner.id}:{_window(now)}",
        owner_id=owner.id,
        context={
            "pw": password_digest(owner.password_hash),
            "expires": expiry(now, settings.mail_reset_ttl_s),
        },
    )


def owner_for_reset(session: Session, token: str, *, key: bytes, now: datetime) -> Owner:
    owner_id, digest = read_token(key, token, "reset", 2, now=now)
    owner = session.get(Owner, int(owner_id)) if owner_id.isdigit() else None
    if owner is None or password_digest(owner.password_hash) != digest:
        raise LinkInvalid("this link has been used already or is not one of ours")
    return owner


def reset_password(
    session: Session, token: str, new_password: str, *, key: bytes, now: datetime
) -> Owner:
    """The new password, once per link; every browser logged in to the account is logged out."""
    owner = owner_for_reset(session, token, key=key, now=now)
    check_new_password(new_password)
    assert owner.id is not None
    owner.password_hash = DEFAULT_HASHER.hash(new_password)
    owner.password_changed_at = now
    if owner.email_verified_at is None:
        owner.email_verified_at = now  # the link reached this address: it is theirs
    session.add(owner)
    end_all_sessions(session, owner_id=owner.id)
    return owner
