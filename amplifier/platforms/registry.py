"""The platforms amplifier reaches: one line each. Everything else asks this registry.

To add a platform, write `platforms/<name>/` (adapter, text rules, declaration, settings) and
add its declaration below; docs/adding-a-platform.md lists the steps in order.
"""

from __future__ import annotations

from typing import Any

from .bluesky.declaration import DECLARATION as BLUESKY
from .declaration import Declaration
from .facebook_pages.declaration import DECLARATION as FACEBOOK_PAGES
from .linkedin.declaration import DECLARATION as LINKEDIN
from .mastodon.declaration import DECLARATION as MASTODON
from .threads.declaration import DECLARATION as THREADS
from .tumblr.declaration import DECLARATION as TUMBLR
from .x.declaration import DECLARATION as X

PLATFORMS: dict[str, Declaration[Any]] = {
    declaration.name: declaration
    for declaration in (
        X,
        MASTODON,
        FACEBOOK_PAGES,
        THREADS,
        LINKEDIN,
        TUMBLR,
        BLUESKY,
    )
}


class UnknownPlatform(ValueError):
    """A name no registered platform has (a stale row, a hand-made form)."""


def declaration(name: str) -> Declaration[Any]:
    """The declaration registered under `name`; UnknownPlatform if there is none."""
    try:
        return PLATFORMS[name]
    except KeyError:
        raise UnknownPlatform(
            f"unknown platform {name!r}: choose from {', '.join(PLATFORMS)}"
        ) from None


def label(name: str) -> str:
    """The platform's name for people ("X", "Mastodon"); an unknown name as it is."""
    found = PLATFORMS.get(name)
    return found.label if found is not None else name


def site(name: str) -> str:
    """Where its people sign in and read their posts ("Facebook" for Facebook Pages)."""
    found = PLATFORMS.get(name)
    return (found.site or found.label) if found is not None else name
