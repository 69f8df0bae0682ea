"""The Facebook Pages emulator: Facebook Login's dialog and token exchange (``oauth``), the
Graph API's ``/me``, ``/me/accounts``, ``/{page-id}`` and ``/{page-id}/feed`` (``api``), with
Graph-shaped errors and usage headers; ``dialect`` puts them together for the kit."""

from __future__ import annotations

from dataclasses import dataclass, field

from amplifier.sandbox.emulators.facebook_pages.dialect import PagesDialect
from amplifier.sandbox.kit.dialect import Emulator


@dataclass
class PagesSettings:
    client_id: str = field(default="fb-sandbox-app", metadata={"help": "the app id"})
    client_secret: str = field(default="fb-sandbox-secret", metadata={"help": "the app secret"})
    app_name: str = field(
        default="amplifier (sandbox)",
        metadata={"help": "the name the app was registered under: the consent screen shows it"},
    )


EMULATOR = Emulator(
    name="facebook_pages",
    label="Facebook Pages",
    many=False,
    settings=PagesSettings,
    dialect=PagesDialect,
    announce=("client_id", "client_secret"),
)
