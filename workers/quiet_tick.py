"""Keep the once-a-second tick (and the mail outbox's wake-up) out of the INFO log.

Beat wakes the tick every second, and Celery logs each wake-up three times at INFO (beat's
"Sending due task", the worker's "Received task" and "Task … succeeded"): 250,000 lines a day
that bury the lines an operator needs. Those three records, for the tick only, are demoted to
DEBUG; a tick that fails is still logged at ERROR by Celery, and what the tick does (a campaign
judged, a release handed out) is logged by the task itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

# beat's routine wake-ups: (schedule entry, task name)
ROUTINE = {
    ("amplifier-tick", "workers.tasks.tick"),
    ("amplifier-mail", "workers.mail_tasks.send_mail"),
    ("amplifier-preflight", "workers.tasks.preflight"),
}
_TASKS = {task for _, task in ROUTINE}
_ENTRIES = {entry for entry, _ in ROUTINE}
_CELERY_LOGGERS = ("celery.beat", "celery.worker.strategy", "celery.app.trace")


def _about_tick(record: logging.LogRecord) -> bool:
    args = record.args
    if isinstance(args, Mapping):  # the worker's records: one dict of context
        return args.get("name") in _TASKS
    if isinstance(args, tuple):  # beat's record: (entry name, task name)
        return any(a in _TASKS or a in _ENTRIES for a in args if isinstance(a, str))
    return False


class QuietTick(logging.Filter):
    """Demote the tick's routine INFO records to DEBUG (dropped unless DEBUG is enabled)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or not _about_tick(record):
            return True
        if not logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
            return False
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def install() -> None:
    """Attach the filter to the loggers Celery writes those records on; safe to call twice."""
    for name in _CELERY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, QuietTick) for f in logger.filters):
            logger.addFilter(QuietTick())
