"""Platform adapters: one Protocol (`base`), one module per platform, pure text rules (`text`).

Import the adapters from their modules (`amplifier.platforms.x.XAdapter`,
`amplifier.platforms.mastodon.MastodonAdapter`); this package itself stays light.
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
