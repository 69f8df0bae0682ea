"""The consent page's optional address, with its explicit opt-ins, read from the same form.

A dependency of POST /pledge/confirm: `contact.check()` refuses the form (the consent page comes
back with what was typed and the reason) before anything is recorded; `record_contact` stores
the address with the pledge and queues the receipt, in the pledge's transaction. Both boxes
start unticked: nothing is sent unless the supporter asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Form, Request
from sqlmodel import Session

from amplifier.campaigns.consent import PersonalTextRefused
from amplifier.models import Campaign, Pledge
from amplifier.notify import events
from amplifier.notify.receipts import set_contact
from amplifier.owners.logins import AccountError, normalise_email


@dataclass(frozen=True)
class SupporterContact:
    typed: str
    email: str | None
    receipts: bool
    updates: bool
    problem: str | None

    def check(self) -> None:
        """Refuse the form before anything is recorded; the page shows `problem`."""
        if self.problem:
            raise PersonalTextRefused([])


def supporter_contact(
    request: Request,
    email: Annotated[str, Form(max_length=1_000)] = "",
    email_receipts: Annotated[str, Form(max_length=10)] = "",
    email_updates: Annotated[str, Form(max_length=10)] = "",
) -> SupporterContact:
    receipts, updates = bool(email_receipts), bool(email_updates)
    problem = None
    address = None
    if email.strip():
        try:
            address = normalise_email(email)
        except AccountError as exc:
            problem = str(exc).replace("email:", "Email address:", 1)
        if address and not (receipts or updates):
            problem = (
                "Email address: tick what you want to receive (receipts, updates or both), "
                "or leave the address empty"
            )
    elif receipts or updates:
        problem = "Email address: give an address to receive mail, or untick the boxes"
    contact = SupporterContact(email.strip()[:254], address, receipts, updates, problem)
    request.state.supporter_contact = contact  # the consent page shows it again if refused
    return contact


SupporterContactDep = Annotated[SupporterContact, Depends(supporter_contact)]


def record_contact(
    session: Session, pledge: Pledge, campaign: Campaign, contact: SupporterContact, now: datetime
) -> None:
    if contact.problem:
        return
    # what this consent said, also when it left the address out: a pledge made again after a
    # withdrawal keeps no address its supporter did not give this time
    set_contact(
        session,
        pledge,
        email=contact.email,
        receipts=contact.receipts,
        updates=contact.updates,
        now=now,
    )
    if contact.email is not None:
        events.confirmed(session, pledge, campaign)
