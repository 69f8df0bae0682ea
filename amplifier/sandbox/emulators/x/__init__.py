"""The X API v2 emulator: OAuth 2.0 with PKCE (``oauth``), users/me and posts (``api``), its
answers, fields and text length; ``dialect`` puts them together for the kit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from amplifier.sandbox.emulators.x.dialect import XDialect
from amplifier.sandbox.kit.dialect import Emulator


@dataclass
class XSettings:
    """One configured OAuth client (X apps are made in the developer portal, not by API)."""

    client_id: str | None = field(default=None, metadata={"help": "default: random"})
    client_secret: str | None = field(default=None, metadata={"help": "default: random"})
    token_ttl: int = field(default=7200, metadata={"help": "seconds"})
    app_name: str = field(
        default="amplifier (sandbox)",
        metadata={"help": "the name the app was registered under: the consent screen shows it"},
    )

    def __post_init__(self) -> None:
        if not self.client_id:
            self.client_id = secrets.token_urlsafe(18)
        if not self.client_secret:
            self.client_secret = secrets.token_urlsafe(36)


EMULATOR = Emulator(
    name="x",
    label="the X API v2",
    many=False,
    settings=XSettings,
    dialect=XDialect,
    announce=("client_id", "client_secret"),
)
