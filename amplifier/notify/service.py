"""One mail tick, as the Celery task, `amplifier mail send` and the demo run it.

mail_tick(db, settings, worker=…) -> Dispatched
    queue the update digests that are due (updates.py), then send what the outbox holds.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid

from amplifier.db import Database
from amplifier.notify.dispatch import Dispatched, send_due
from amplifier.notify.mailbox import sender_for
from amplifier.timeutil import utcnow
from config.settings import Settings

log = logging.getLogger(__name__)
_warned = False


def worker_name() -> str:
    return f"mail-{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def mail_tick(db: Database, settings: Settings, *, worker: str | None = None) -> Dispatched:
    global _warned
    from amplifier.notify.updates import queue_due_digests

    now = utcnow()
    with db.session() as session:
        queue_due_digests(session, now=now, interval_s=settings.mail_digest_interval_s)
    sender = sender_for(settings)
    if sender is None:
        if not _warned:
            log.warning("AMPLIFIER_SMTP_URL is not set: mail stays queued in the outbox")
            _warned = True
        return Dispatched()
    return send_due(db, sender, settings, worker=worker or worker_name())
