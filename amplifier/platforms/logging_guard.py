"""Keep OAuth secrets out of the logs.

tweepy logs every request's headers (the user's bearer token) at DEBUG, and oauthlib /
requests_oauthlib log token request bodies and responses at DEBUG; urllib3 logs URLs. Raising
those loggers to WARNING means a root logger at DEBUG can never print a token.
"""

from __future__ import annotations

from amplifier.logging_setup import TOKEN_LOGGERS, silence_token_loggers

__all__ = ["TOKEN_LOGGERS", "silence_token_loggers"]
