"""The demo's mail: an owner with a confirmed address, and what the development mailbox holds.

The demo runs with the development sender (no `AMPLIFIER_SMTP_URL`): every mail is a `.eml`
file in `<data dir>/mailbox`, listed with working links at `/dev/mailbox`. Supporters give an
address with both opt-ins on the consent page, so their receipts land there beside the owner's
notices (which go only to a confirmed address, hence the owner made here).
"""

from __future__ import annotations

import secrets
import time

from sqlmodel import col, func, select

from amplifier.demo.stack import LocalStack
from amplifier.notify.mailbox import mailbox_dir
from amplifier.notify.tables import MailStatus, OutboxMessage
from amplifier.owners.api_tokens import create_token
from amplifier.owners.logins import sign_up
from amplifier.timeutil import utcnow

OWNER_EMAIL = "organiser@example.org"
MAIL_TICK_S = "1"  # the demo's mail task wakes every second: its mails leave before it ends


def confirmed_owner(stack: LocalStack) -> str:
    """An owner who signed up and confirmed their address; returns their API token."""
    with stack.runtime.db.session() as session:
        owner = sign_up(
            session,
            email=OWNER_EMAIL,
            name="Demo owner",
            password=secrets.token_urlsafe(16),
            now=utcnow(),
        )
        owner.email_verified_at = utcnow()  # as following the confirmation link does
        session.add(owner)
        session.flush()
        assert owner.id is not None
        return create_token(session, owner_id=owner.id, name="demo")


def supporter_email(username: str) -> str:
    return f"{username}@example.org"


def wait_for_mail(stack: LocalStack, *, timeout_s: float = 30.0) -> int:
    """Wait until the outbox has nothing left to send; returns how many mails are in the mailbox."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with stack.runtime.db.session() as session:
            waiting = session.exec(
                select(func.count(col(OutboxMessage.id))).where(
                    col(OutboxMessage.status).in_([MailStatus.PENDING, MailStatus.SENDING])
                )
            ).one()
        if not waiting:
            break
        time.sleep(0.5)
    return len(list(mailbox_dir(stack.runtime.settings).glob("*.eml")))
