"""The Threads emulator: the authorization window and token exchanges (``oauth``), media
containers with their status, ``threads_publish``, the profile's posts and
``threads_publishing_limit`` (``api``), with Graph-shaped errors; ``dialect`` puts them together."""

from __future__ import annotations

from dataclasses import dataclass, field

from amplifier.sandbox.emulators.threads.dialect import ThreadsDialect
from amplifier.sandbox.kit.dialect import Emulator


@dataclass
class ThreadsSettings:
    client_id: str = field(default="threads-sandbox-app", metadata={"help": "the Threads app id"})
    client_secret: str = field(default="threads-sandbox-secret", metadata={"help": "its secret"})
    app_name: str = field(
        default="amplifier (sandbox)",
        metadata={"help": "the name the app was registered under: the consent screen shows it"},
    )


EMULATOR = Emulator(
    name="threads",
    label="Threads",
    many=False,
    settings=ThreadsSettings,
    dialect=ThreadsDialect,
    announce=("client_id", "client_secret"),
)
