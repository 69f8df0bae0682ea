"""The mail task: beat wakes it every `mail_tick_s`; the outbox rows say what to send.

Safe to run twice at once or to be redelivered: rows are claimed by conditional UPDATEs.
"""

from __future__ import annotations

import logging

from amplifier.notify.service import mail_tick
from amplifier.runtime import get_runtime
from workers.celery_app import app

log = logging.getLogger(__name__)


@app.task(name="workers.mail_tasks.send_mail", ignore_result=True, acks_late=False, time_limit=600)
def send_mail() -> int:
    rt = get_runtime()
    result = mail_tick(rt.db, rt.settings)
    if result.sent or result.retried or result.failed:
        log.info(
            "mail: %s sent, %s to retry, %s failed, %s suppressed, %s deferred",
            result.sent,
            result.retried,
            result.failed,
            result.suppressed,
            result.deferred,
        )
    return result.sent
