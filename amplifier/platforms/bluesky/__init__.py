"""Bluesky (AT Protocol): `adapter` (one PDS), `oauth` and `dpop` (the sign-in), `identity`
(handle → DID → PDS), `text` (limits, facets, record keys), `client` (our client metadata).
`from amplifier.platforms.bluesky import BlueskyAdapter` is the face."""

from .adapter import BlueskyAdapter

__all__ = ["BlueskyAdapter"]
