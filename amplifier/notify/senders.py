"""Where a rendered mail goes: an SMTP server, or the development mailbox on disk.

    SmtpSender(url)   smtp:// (plain), smtp+starttls:// (STARTTLS required), smtps:// (TLS);
                      user and password from the URL (percent-encoded). One connection per
                      batch (`open()` … `close()`), `timeout_s` on every socket operation.
    MailboxSender(d)  writes each mail as `<d>/<time>-<id>.eml` (development only).

Errors: `TemporaryFailure` (connection refused or dropped, timeouts, 4xx answers: try later)
and `PermanentFailure` (5xx answers for this recipient or message: never retried), per RFC 5321
§4.2.1's reply classes.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from ..failure_words import network_words


class TemporaryFailure(Exception):
    """The mail did not leave, and may next time."""


class PermanentFailure(Exception):
    """The server refused this mail for good (5xx)."""


class Sender(Protocol):
    description: str

    def open(self) -> None: ...

    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


class SmtpSender:
    def __init__(self, url: str, *, timeout_s: float = 20.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtp+starttls", "smtps") or not parts.hostname:
            raise ValueError(
                "AMPLIFIER_SMTP_URL must look like smtp+starttls://user:password@host:587, "
                "smtps://user:password@host:465 or smtp://host:25"
            )
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or {"smtp": 25, "smtp+starttls": 587, "smtps": 465}[parts.scheme]
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout_s = timeout_s
        self.description = f"SMTP {self.scheme}://{self.host}:{self.port}"  # no credentials
        self._smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        try:
            if self.scheme == "smtps":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    timeout=self.timeout_s,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
                if self.scheme == "smtp+starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise TemporaryFailure(f"the mail server refused our login ({exc.smtp_code})") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"cannot reach the mail server: {network_words(exc)}") from None
        self._smtp = smtp

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self.open()
        assert self._smtp is not None
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0]
            raise _by_code(code, "the mail server refused the recipient") from None
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise _by_code(exc.smtp_code, "the mail server refused the message") from None
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise TemporaryFailure(
                f"the mail server connection failed: {network_words(exc)}"
            ) from None
        if refused:
            code = next(iter(refused.values()))[0]
            raise _by_code(code, "the mail server refused the recipient")

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError):
                self._smtp.close()
        self._smtp = None


def _by_code(code: int, what: str) -> Exception:
    text = f"{what} ({code})"
    return PermanentFailure(text) if 500 <= code < 600 else TemporaryFailure(text)


class MailboxSender:
    """Development: every mail is a file in the data directory, listed at /dev/mailbox."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.description = f"the development mailbox {directory}"

    def open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{os.getpid()}.eml"
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(bytes(message))
        tmp.rename(self.directory / name)  # readers never see half a mail

    def close(self) -> None:
        return None
