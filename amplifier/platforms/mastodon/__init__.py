"""Mastodon through plain `requests` (and aiohttp for the release): `adapter` (one server's
calls), `answers` (what a server's answers mean), `instance` (a server as a supporter names it,
and our app on it). `from amplifier.platforms.mastodon import MastodonAdapter` is the face."""

from .adapter import MastodonAdapter
from .instance import (
    SCOPES,
    fetch_instance_facts,
    fetch_max_characters,
    normalise_instance,
    register_app,
)

__all__ = [
    "SCOPES",
    "MastodonAdapter",
    "fetch_instance_facts",
    "fetch_max_characters",
    "normalise_instance",
    "register_app",
]
