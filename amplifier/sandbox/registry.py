"""The emulated platforms, one line each: the only list of them (``server`` and ``cli`` read it).

Each line is an emulator folder's :class:`~amplifier.sandbox.kit.dialect.Emulator`: its name,
whether it runs one host or several, its settings and how to build a host's routes and defaults.
Adding a platform is a folder under ``emulators/`` and a line here (docs/adding-a-platform.md).
"""

from __future__ import annotations

from typing import Any

from amplifier.sandbox.emulators import (
    bluesky,
    facebook_pages,
    linkedin,
    mastodon,
    threads,
    tumblr,
    x,
)
from amplifier.sandbox.kit.dialect import Emulator

EMULATORS: tuple[Emulator[Any], ...] = (
    x.EMULATOR,
    mastodon.EMULATOR,
    facebook_pages.EMULATOR,
    threads.EMULATOR,
    linkedin.EMULATOR,
    tumblr.EMULATOR,
    bluesky.EMULATOR,
)
