"""The development mailbox: where the local sender keeps mails, read back for /dev/mailbox.

sender_for(settings) -> Sender | None   the configured sender (None: production without SMTP)
list_mails(directory) -> [MailSummary]  newest first
read_mail(directory, name) -> EmailMessage | None   only names this sender made
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from amplifier.notify.senders import MailboxSender, Sender, SmtpSender
from config.settings import Settings

_NAME = re.compile(r"[0-9]{1,25}-[0-9]{1,10}\.eml")


def mailbox_dir(settings: Settings) -> Path:
    return settings.data_dir / "mailbox"


def sender_for(settings: Settings) -> Sender | None:
    if settings.smtp_url:
        return SmtpSender(settings.smtp_url)
    if settings.env == "production":
        return None
    return MailboxSender(mailbox_dir(settings))


@dataclass(frozen=True)
class MailSummary:
    name: str
    to: str
    subject: str
    date: str


def _parse(path: Path) -> EmailMessage:
    with path.open("rb") as fh:
        message = BytesParser(policy=policy.default).parse(fh)
    assert isinstance(message, EmailMessage)
    return message


def list_mails(directory: Path) -> list[MailSummary]:
    if not directory.is_dir():
        return []
    out = []
    for path in sorted(directory.glob("*.eml"), reverse=True):
        if not _NAME.fullmatch(path.name):
            continue
        message = _parse(path)
        out.append(
            MailSummary(
                name=path.name,
                to=str(message["To"] or ""),
                subject=str(message["Subject"] or ""),
                date=str(message["Date"] or ""),
            )
        )
    return out


def read_mail(directory: Path, name: str) -> EmailMessage | None:
    if not _NAME.fullmatch(name):
        return None
    path = directory / name
    return _parse(path) if path.is_file() else None


def text_of(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return ""
    content = part.get_content()
    return content if isinstance(content, str) else ""
