"""Logging for every amplifier process, with the loggers that would print tokens kept quiet.

tweepy logs request headers (a bearer token) at DEBUG, oauthlib and requests_oauthlib log token
bodies at DEBUG: they are held at WARNING whatever the configured level.
"""

from __future__ import annotations

import logging

TOKEN_LEAKING_LOGGERS = ("tweepy", "requests_oauthlib", "oauthlib", "urllib3")


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    else:
        root.setLevel(level.upper())
    for name in (*TOKEN_LEAKING_LOGGERS, "alembic.runtime.migration", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)
