"""Logging for every amplifier process, with the loggers that would print tokens kept quiet.

tweepy logs request headers (a bearer token) at DEBUG, oauthlib and requests_oauthlib log token
bodies at DEBUG, urllib3 logs URLs: they are held at WARNING whatever the configured level.
The adapters hold them there too (platforms/logging_guard.py), for processes that never call
`configure_logging`.
"""

from __future__ import annotations

import logging

TOKEN_LOGGERS = ("tweepy", "requests_oauthlib", "oauthlib", "urllib3")


def silence_token_loggers() -> None:
    """Set the loggers that may print tokens to WARNING (idempotent)."""
    for name in TOKEN_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    else:
        root.setLevel(level.upper())
    silence_token_loggers()
    for name in ("alembic.runtime.migration", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)
