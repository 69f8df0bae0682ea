"""Logging for every amplifier process, with the loggers that would print tokens kept quiet.

tweepy logs request headers (a bearer token) at DEBUG, oauthlib and requests_oauthlib log token
bodies at DEBUG, urllib3 logs URLs: they are held at WARNING whatever the configured level.
The adapters hold them there too (platforms/logging_guard.py), for processes that never call
`configure_logging`.

With `AMPLIFIER_LOG_FORMAT=json` every line is one JSON object (for a log shipper):
`{"time": ISO 8601 UTC, "level", "logger", "message", "campaign_id"?, "delivery_id"?,
"exception"?}`. The ids come from context variables set where the work is known (`log_ids`
around a task, `ids_context` for an asyncio task per delivery), so a line logged deep inside
an adapter still says which campaign and delivery it is about. Only what the message itself
says is written: the token loggers above stay quiet in JSON too.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

TOKEN_LOGGERS = ("tweepy", "requests_oauthlib", "oauthlib", "urllib3")


def silence_token_loggers() -> None:
    """Set the loggers that may print tokens to WARNING (idempotent)."""
    for name in TOKEN_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


_IDS: dict[str, contextvars.ContextVar[int | None]] = {
    "campaign_id": contextvars.ContextVar("log_campaign_id", default=None),
    "delivery_id": contextvars.ContextVar("log_delivery_id", default=None),
}


@contextmanager
def log_ids(**ids: int | None) -> Iterator[None]:
    """Lines logged inside carry these ids (`campaign_id=`, `delivery_id=`)."""
    tokens = [(_IDS[name], _IDS[name].set(value)) for name, value in ids.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def mark_delivery(delivery_id: int) -> None:
    """Lines logged from now on in this asyncio task carry `delivery_id`. For the first line of
    a task made per delivery: the task runs in its own copy of the context, so nothing leaks out
    and no reset is needed (cheaper than `ids_context` on the release's hot path)."""
    _IDS["delivery_id"].set(delivery_id)


def ids_context(**ids: int | None) -> contextvars.Context:
    """A copy of the current context with these ids set: for `asyncio.create_task(...,
    context=)`, so that one task's lines carry its delivery's id (no reset needed)."""
    context = contextvars.copy_context()
    for name, value in ids.items():
        context.run(_IDS[name].set, value)
    return context


class ContextIds(logging.Filter):
    """Copies the context's ids onto each record (on handlers: it sees propagated records)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _IDS.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, var in _IDS.items():
            value = getattr(record, name, None)
            if value is None:
                value = var.get()
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def wants_json(log_format: str | None = None) -> bool:
    chosen = log_format if log_format is not None else os.environ.get("AMPLIFIER_LOG_FORMAT", "")
    return chosen.strip().lower() == "json"


def use_format(handlers: list[logging.Handler], log_format: str | None = None) -> None:
    """Give `handlers` the ids filter, and the JSON formatter when JSON is asked for."""
    for handler in handlers:
        if not any(isinstance(f, ContextIds) for f in handler.filters):
            handler.addFilter(ContextIds())
        if wants_json(log_format):
            handler.setFormatter(JsonFormatter())


def configure_logging(level: str = "INFO", log_format: str | None = None) -> None:
    """Root logging at `level`; `log_format` "json" or text (default: AMPLIFIER_LOG_FORMAT)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    else:
        root.setLevel(level.upper())
    use_format(root.handlers, log_format)
    silence_token_loggers()
    for name in ("alembic.runtime.migration", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)
