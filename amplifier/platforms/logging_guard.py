"""Keep OAuth secrets out of the logs.

tweepy logs every request's headers (the user's bearer token) at DEBUG, and oauthlib /
requests_oauthlib log token request bodies and responses at DEBUG; urllib3 logs URLs. Raising
those loggers to WARNING means a root logger at DEBUG can never print a token.
"""

from __future__ import annotations

import logging

TOKEN_LOGGERS = ("tweepy", "requests_oauthlib", "oauthlib", "urllib3")


def silence_token_loggers() -> None:
    """Set the loggers that may print tokens to WARNING (idempotent)."""
    for name in TOKEN_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
