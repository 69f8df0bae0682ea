"""The mail worker's one job: hand due outbox rows to the sender and record each answer.

    send_due(db, sender, settings, worker=…, now=…) -> Dispatched

Per row, before sending: the recipient's opt-in is read again (an unsubscribe between queueing
and sending is honoured: the row is `suppressed`), and the per-recipient cap
(`AMPLIFIER_MAIL_PER_RECIPIENT_PER_HOUR`) defers the row, never drops it. Each answer is
committed on its own, right after the server's, so a killed worker loses at most the row in
its hands, which goes back to pending after `AMPLIFIER_MAIL_STALE_S`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from amplifier.db import Database
from amplifier.models import Pledge
from amplifier.notify import outbox
from amplifier.notify.messages import KINDS, RECEIPTS, UPDATES, render
from amplifier.notify.outbox import Claimed
from amplifier.notify.senders import PermanentFailure, Sender, TemporaryFailure
from amplifier.timeutil import utcnow
from config.settings import Settings

log = logging.getLogger(__name__)
PAGE = 50


@dataclass
class Dispatched:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)


def send_due(
    db: Database,
    sender: Sender,
    settings: Settings,
    *,
    worker: str,
    now: datetime | None = None,
    max_rows: int = 1_000,
) -> Dispatched:
    """Send what is due, up to `max_rows`; stops early (rows kept) if the server is down."""
    result = Dispatched()
    start = now or utcnow()
    with db.session() as session:
        outbox.release_stale(session, now=start, stale_s=settings.mail_stale_s)
        outbox.purge_old(session, now=start, keep_days=settings.mail_keep_days)
    opened = False
    try:
        while result.sent + result.failed + result.suppressed + result.deferred < max_rows:
            rows = outbox.claim(db, worker, now=now or utcnow(), limit=PAGE)
            if not rows:
                break
            for i, row in enumerate(rows):
                if not opened:
                    try:
                        sender.open()
                        opened = True
                    except TemporaryFailure as exc:
                        _give_back(db, rows[i:], worker, settings, str(exc), result)
                        return result
                if not _send_one(db, sender, settings, row, worker, result, now):
                    _give_back(db, rows[i + 1 :], worker, settings, "not tried", result, False)
                    return result
    finally:
        if opened:
            sender.close()
    return result


def _send_one(
    db: Database,
    sender: Sender,
    settings: Settings,
    row: Claimed,
    worker: str,
    result: Dispatched,
    now: datetime | None,
) -> bool:
    """False when the server is unreachable: the caller gives the rest of the page back."""
    moment = now or utcnow()
    with db.session() as session:
        why_not = _opted_out(session.get(Pledge, row.pledge_id) if row.pledge_id else None, row)
        if why_not:
            outbox.suppress(session, row.id, worker, why=why_not)
            result.suppressed += 1
            return True
        since = moment - timedelta(hours=1)
        recent = outbox.sent_recently(session, row.recipient, since=since)
        if len(recent) >= settings.mail_per_recipient_per_hour:
            until = recent[len(recent) - settings.mail_per_recipient_per_hour] + timedelta(hours=1)
            outbox.defer(session, row, worker, until=until, why="per-recipient hourly cap")
            result.deferred += 1
            return True
    try:
        message = render(row, settings, now=moment)
    except Exception as exc:  # a template or context bug: reported on the row, never a loop
        log.exception("outbox row %s (%s) cannot be rendered", row.id, row.kind)
        with db.session() as session:
            outbox.mark_failed(session, row.id, worker, now=moment, error=f"render: {exc}")
        result.failed += 1
        return True
    try:
        sender.send(message)
    except PermanentFailure as exc:
        with db.session() as session:
            outbox.mark_failed(session, row.id, worker, now=moment, error=str(exc))
        log.warning("outbox row %s refused for good: %s", row.id, exc)
        result.failed += 1
        return True
    except TemporaryFailure as exc:
        with db.session() as session:
            outbox.retry_later(
                session, row, worker, now=moment, error=str(exc), base_s=settings.mail_retry_s
            )
        log.warning("outbox row %s not sent, will retry: %s", row.id, exc)
        result.retried += 1
        result.errors.append(str(exc))
        return False
    with db.session() as session:
        outbox.mark_sent(session, row.id, worker, now=moment)
    result.sent += 1
    return True


def _opted_out(pledge: Pledge | None, row: Claimed) -> str | None:
    stream = KINDS[row.kind].stream if row.kind in KINDS else None
    if stream is None or row.pledge_id is None:
        return None
    if pledge is None:
        return "the pledge is gone"
    if stream == RECEIPTS and not pledge.email_receipts:
        return "the supporter unsubscribed from receipts"
    if stream == UPDATES and not pledge.email_updates:
        return "the supporter unsubscribed from updates"
    return None


def _give_back(
    db: Database,
    rows: list[Claimed],
    worker: str,
    settings: Settings,
    error: str,
    result: Dispatched,
    count: bool = True,
) -> None:
    """The server is down: every claimed row waits for a later try; nothing is lost."""
    moment = utcnow()
    with db.session() as session:
        for row in rows:
            outbox.retry_later(
                session,
                row,
                worker,
                now=moment,
                error=error,
                base_s=settings.mail_retry_s,
                count_attempt=count,
            )
    if count and rows:
        result.retried += len(rows)
        result.errors.append(error)
