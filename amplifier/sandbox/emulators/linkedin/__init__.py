"""The LinkedIn emulator: OAuth 2.0 and OpenID Connect's userinfo (``oauth``, ``api``), the
Posts API with its version headers and the little text format (``little``); ``dialect`` puts
them together for the kit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from amplifier.sandbox.emulators.linkedin.dialect import LinkedInDialect
from amplifier.sandbox.kit.dialect import Emulator


@dataclass
class LinkedInSettings:
    """One configured app (LinkedIn apps are made in the Developer Portal, not by API)."""

    client_id: str | None = field(default=None, metadata={"help": "default: random"})
    client_secret: str | None = field(default=None, metadata={"help": "default: random"})
    token_ttl: int = field(default=5_184_000, metadata={"help": "seconds (LinkedIn: 60 days)"})
    app_name: str = field(
        default="amplifier (sandbox)",
        metadata={"help": "the name the app was registered under: the consent screen shows it"},
    )

    def __post_init__(self) -> None:
        if not self.client_id:
            self.client_id = secrets.token_hex(7)
        if not self.client_secret:
            self.client_secret = secrets.token_urlsafe(12)


EMULATOR = Emulator(
    name="linkedin",
    label="LinkedIn's member APIs",
    many=False,
    settings=LinkedInSettings,
    dialect=LinkedInDialect,
    announce=("client_id", "client_secret"),
)
