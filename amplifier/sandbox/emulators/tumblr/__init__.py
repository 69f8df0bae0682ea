"""The Tumblr API v2 emulator: OAuth 2 (``oauth``), the user's blogs and NPF posts (``api``),
its answers and rate windows; ``dialect`` puts them together for the kit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from amplifier.sandbox.emulators.tumblr.dialect import TumblrDialect
from amplifier.sandbox.kit.dialect import Emulator


@dataclass
class TumblrSettings:
    """One registered app (Tumblr apps are registered at tumblr.com/oauth/apps, not by API)."""

    client_id: str | None = field(default=None, metadata={"help": "default: random"})
    client_secret: str | None = field(default=None, metadata={"help": "default: random"})
    token_ttl: int = field(default=2520, metadata={"help": "seconds (Tumblr: 42 minutes)"})
    app_name: str = field(
        default="amplifier (sandbox)",
        metadata={"help": "the name the app was registered under: the consent screen shows it"},
    )

    def __post_init__(self) -> None:
        if not self.client_id:
            self.client_id = secrets.token_urlsafe(36)
        if not self.client_secret:
            self.client_secret = secrets.token_urlsafe(36)


EMULATOR = Emulator(
    name="tumblr",
    label="the Tumblr API v2",
    many=False,
    settings=TumblrSettings,
    dialect=TumblrDialect,
    announce=("client_id", "client_secret"),
)
