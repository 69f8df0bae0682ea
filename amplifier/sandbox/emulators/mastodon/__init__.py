"""The Mastodon instance emulator: apps and OAuth (``oauth``), accounts and statuses (``api``),
instance metadata, entities and text length; ``dialect`` puts them together for the kit."""

from __future__ import annotations

from dataclasses import dataclass, field

from amplifier.sandbox.emulators.mastodon.dialect import MastodonDialect
from amplifier.sandbox.kit.dialect import Emulator


@dataclass
class MastodonSettings:
    max_characters: int = field(default=500, metadata={"help": "an instance's status limit"})


EMULATOR = Emulator(
    name="mastodon",
    label="Mastodon instances",
    many=True,
    settings=MastodonSettings,
    dialect=MastodonDialect,
)
