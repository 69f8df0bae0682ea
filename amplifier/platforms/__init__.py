"""Platforms: the contract the engine calls and the error tree (`base`), what each platform
declares (`declaration`), one folder per platform (`x/`, `mastodon/`), and the registry that
lists them (`registry`: the only place outside a platform's folder that names it).

Ask `amplifier.platforms.registry` for a platform's declaration; import an adapter class from
its folder only in that platform's own code and tests. This package itself stays light.
"""

from .base import (
    AuthExpired,
    AuthorizationRequest,
    ClientCredentials,
    OutcomeUnknown,
    PlatformAdapter,
    PlatformError,
    Profile,
    PublishedPost,
    RateLimited,
    Rejected,
    TokenSet,
    Transient,
)
from .logging_guard import silence_token_loggers

__all__ = [
    "AuthExpired",
    "AuthorizationRequest",
    "ClientCredentials",
    "OutcomeUnknown",
    "PlatformAdapter",
    "PlatformError",
    "Profile",
    "PublishedPost",
    "RateLimited",
    "Rejected",
    "TokenSet",
    "Transient",
    "silence_token_loggers",
]
