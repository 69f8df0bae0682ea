"""The outbox against a real SMTP server: an outage loses nothing, the cap defers, a unique
event queues once, and a worker killed mid-batch leaves every mail sent exactly once."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlmodel import select

from amplifier.notify.outbox import enqueue
from amplifier.notify.tables import MailStatus, OutboxMessage
from amplifier.runtime import Runtime
from amplifier.supervisor import Stack, beat_argv, worker_argv
from amplifier.timeutil import utcnow
from tests.factories import verified_owner
from tests.notify.conftest import SmtpServer, deliver


def _queue_resets(rt: Runtime, addresses: list[str]) -> None:
    """Password-reset mails: owner kinds need nothing but an owner row."""
    with rt.db.session() as session:
        for address in addresses:
            owner = verified_owner(session, address)
            enqueue(
                session,
                kind="password_reset",
                recipient=address,
                dedup_key=f"test:{address}",
                owner_id=owner.id,
                context={"pw": "x", "expires": utcnow().isoformat()},
            )


def _rows(rt: Runtime) -> list[OutboxMessage]:
    with rt.db.session() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_same_event_queues_one_mail_per_address(mail_rt: Runtime) -> None:
    with mail_rt.db.session() as session:
        assert enqueue(session, kind="release_done", recipient="A@example.org", dedup_key="e:1")
        assert not enqueue(session, kind="release_done", recipient="a@example.org", dedup_key="e:1")
        assert enqueue(session, kind="release_done", recipient="b@example.org", dedup_key="e:1")
    assert len(_rows(mail_rt)) == 2


def test_an_smtp_outage_keeps_every_mail_and_retries_later(
    mail_rt: Runtime, smtp: SmtpServer
) -> None:
    addresses = [f"o{i}@example.org" for i in range(3)]
    _queue_resets(mail_rt, addresses)
    smtp.stop()
    down = deliver(mail_rt)
    assert down.sent == 0 and down.retried == 3
    rows = _rows(mail_rt)
    assert {r.status for r in rows} == {MailStatus.PENDING}
    assert all(r.not_before is not None and r.not_before > utcnow() for r in rows)
    assert all("cannot reach the mail server" in (r.last_error or "") for r in rows)
    smtp.start()
    assert deliver(mail_rt).sent == 0  # not before the retry time
    with mail_rt.db.session() as session:  # time passes
        for row in session.exec(select(OutboxMessage)):
            row.not_before = utcnow()
            session.add(row)
    assert deliver(mail_rt).sent == 3
    assert sorted(str(m["To"]) for m in smtp.inbox.messages) == addresses
    assert deliver(mail_rt).sent == 0  # and never again


def test_the_per_recipient_cap_defers_and_drops_nothing(mail_rt: Runtime, smtp: SmtpServer) -> None:
    mail_rt.settings.mail_per_recipient_per_hour = 2
    with mail_rt.db.session() as session:
        owner = verified_owner(session, "busy@example.org")
        for i in range(4):
            enqueue(
                session,
                kind="password_reset",
                recipient="busy@example.org",
                dedup_key=f"e:{i}",
                owner_id=owner.id,
                context={"pw": "x", "expires": utcnow().isoformat()},
            )
    result = deliver(mail_rt)
    assert (result.sent, result.deferred) == (2, 2)
    waiting = [r for r in _rows(mail_rt) if r.status == MailStatus.PENDING]
    assert len(waiting) == 2
    assert all(r.not_before is not None and r.not_before > utcnow() for r in waiting)
    assert all(r.attempts == 0 for r in waiting)  # a deferral is not a failed attempt
    assert len(smtp.inbox.messages) == 2


def test_a_permanent_refusal_is_recorded_not_retried(mail_rt: Runtime, smtp: SmtpServer) -> None:
    original = smtp.inbox.handle_RCPT

    async def refuse(server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        if address.startswith("nobody@"):
            return "550 No such user"
        return await original(server, session, envelope, address, options)

    smtp.inbox.handle_RCPT = refuse  # type: ignore[method-assign]
    _queue_resets(mail_rt, ["nobody@example.org", "ok@example.org"])
    result = deliver(mail_rt)
    assert (result.sent, result.failed) == (1, 1)
    failed = next(r for r in _rows(mail_rt) if r.recipient == "nobody@example.org")
    assert failed.status == MailStatus.FAILED and "550" in (failed.last_error or "")


@pytest.mark.slow
def test_a_killed_worker_loses_no_mail_and_sends_none_twice(
    mail_rt: Runtime, smtp: SmtpServer, redis_url: str, tmp_path: Path
) -> None:
    addresses = [f"k{i}@example.org" for i in range(6)]
    _queue_resets(mail_rt, addresses)
    smtp.inbox.hold_at_rcpt = 3  # the worker is killed while talking about the third mail
    s = mail_rt.settings
    env = {
        "AMPLIFIER_ENV": "test",
        "AMPLIFIER_DATA_DIR": str(tmp_path),
        "AMPLIFIER_DATABASE_URL": mail_rt.db.url,
        "AMPLIFIER_REDIS_URL": redis_url,
        "AMPLIFIER_TOKEN_KEYS": s.token_keys or "",
        "AMPLIFIER_SIGNING_KEY": s.signing_key or "",
        "AMPLIFIER_SMTP_URL": smtp.url,
        "AMPLIFIER_MAIL_TICK_S": "0.5",
        "AMPLIFIER_MAIL_STALE_S": "2",
        "AMPLIFIER_RELEASE_TICK_S": "3600",
    }
    with Stack(tmp_path / "logs") as stack:
        worker = stack.start("worker", worker_argv("mailer", concurrency=2), env=env)
        stack.start("beat", beat_argv(tmp_path / "beat-schedule"), env=env)
        assert smtp.inbox.holding.wait(60), "the worker never reached the third mail"
        os.killpg(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait(10)
        smtp.inbox.release.set()
        stuck = [r for r in _rows(mail_rt) if r.status == MailStatus.SENDING]
        assert stuck, "the kill should leave claimed rows behind"
        stack.start("worker2", worker_argv("mailer2", concurrency=2), env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all(r.status == MailStatus.SENT for r in _rows(mail_rt)):
                break
            time.sleep(0.3)
    received = sorted(str(m["To"]) for m in smtp.inbox.messages)
    assert received == sorted(addresses)  # each exactly once
    assert {r.status for r in _rows(mail_rt)} == {MailStatus.SENT}
