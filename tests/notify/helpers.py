"""Owners with a confirmed address, pledges with an address, and links read out of mails."""

from __future__ import annotations

import re
import uuid
from email.message import EmailMessage
from urllib.parse import urlsplit

from sqlmodel import Session

from amplifier.models import Campaign, Owner, Pledge
from amplifier.owners.logins import sign_up
from amplifier.timeutil import utcnow
from tests.notify.conftest import body

PASSWORD = "correct horse battery"


def verified_owner(session: Session, email: str = "ada@example.org") -> Owner:
    owner = sign_up(session, email=email, name="Ada", password=PASSWORD, now=utcnow())
    owner.email_verified_at = utcnow()
    session.add(owner)
    session.flush()
    return owner


def pledge_with_email(
    session: Session,
    campaign: Campaign,
    email: str,
    *,
    receipts: bool = True,
    updates: bool = True,
    n: int = 0,
) -> Pledge:
    assert campaign.id is not None
    row = Pledge(
        campaign_id=campaign.id,
        platform="x",
        account_id=f"acct-{n}-{uuid.uuid4().hex[:6]}",
        handle=f"@person{n}",
        followers=10,
        post_text=campaign.post_text(),
        consented_version=campaign.message_version,
        consented_at=utcnow(),
        email=email,
        email_receipts=receipts,
        email_updates=updates,
    )
    session.add(row)
    session.flush()
    return row


def links_in(message: EmailMessage) -> list[str]:
    return re.findall(r"https?://[^\s<>\"]+", body(message))


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def link_to(message: EmailMessage, fragment: str) -> str:
    found = [u for u in links_in(message) if fragment in u]
    assert found, f"no link with {fragment!r} in: {body(message)}"
    return path_of(found[0])
