"""X (formerly Twitter) through tweepy: `adapter` (calls), `answers` (what X's answers mean),
`oauth` (PKCE and tokens). `from amplifier.platforms.x import XAdapter` is the public face."""

from .adapter import XAdapter
from .oauth import SCOPES

__all__ = ["SCOPES", "XAdapter"]
