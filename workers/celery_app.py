"""The Celery app. Configured from config/settings like every other process; knows no domain logic.

Options follow from the release design: a task's message is only a wake-up call (the database says
what is left to do), so results are ignored, acknowledgement is late (a worker killed mid-task
gets its task redelivered, and the delivery claims make the redelivery harmless) and a worker takes
one message at a time.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

from amplifier.logging_setup import use_format
from config.settings import get_settings
from workers import quiet_tick
from workers.schedule import beat_schedule


def make_celery() -> Celery:
    settings = get_settings()
    if not settings.redis_url:
        raise RuntimeError(
            "AMPLIFIER_REDIS_URL is not set: workers and beat need the same Redis as the web app "
            "(`amplifier up` starts an embedded one and sets it for them)"
        )
    # beat keeps its schedule in the data dir; on a fresh machine that dir does not exist yet
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = Celery(
        "amplifier", broker=settings.redis_url, include=["workers.tasks", "workers.mail_tasks"]
    )
    app.conf.update(
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 3600},
        beat_schedule=beat_schedule(
            settings.release_tick_s, settings.mail_tick_s, settings.preflight_tick_s
        ),
        beat_max_loop_interval=settings.release_tick_s,
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
        worker_hijack_root_logger=False,
    )
    return app


@after_setup_logger.connect
@after_setup_task_logger.connect
def _log_format(logger: logging.Logger, **_: Any) -> None:
    """Celery's handlers, too, write JSON when AMPLIFIER_LOG_FORMAT=json (with the ids)."""
    use_format(logger.handlers, get_settings().log_format)


quiet_tick.install()
app = make_celery()
