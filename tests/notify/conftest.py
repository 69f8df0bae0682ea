"""A real SMTP server on loopback (aiosmtpd) that keeps what it accepted, can go down and come
back, and can be told to hold a conversation (to kill a worker in the middle of one)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from amplifier.notify.dispatch import Dispatched
from amplifier.notify.service import mail_tick
from amplifier.runtime import Runtime
from amplifier.supervisor import free_port


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    rcpts_seen: int = 0
    hold_at_rcpt: int | None = None  # the n-th RCPT TO waits until `release` is set
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        import asyncio

        self.rcpts_seen += 1
        if self.hold_at_rcpt is not None and self.rcpts_seen == self.hold_at_rcpt:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if str(m["To"]) == address]


class SmtpServer:
    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.inbox.release.set()
    server.stop()


@pytest.fixture
def mail_rt(runtime: Runtime, smtp: SmtpServer) -> Runtime:
    runtime.settings.smtp_url = smtp.url
    runtime.settings.mail_from = "Campaigns <campaigns@example.org>"
    return runtime


def deliver(rt: Runtime) -> Dispatched:
    """What the mail task does at each beat."""
    return mail_tick(rt.db, rt.settings)


def body(message: EmailMessage, subtype: str = "plain") -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    content = part.get_content()
    assert isinstance(content, str)
    return content


from tests.web.conftest import make_client  # noqa: E402, F401 (browsers on the app)
