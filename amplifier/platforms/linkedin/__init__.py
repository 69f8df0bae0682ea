"""LinkedIn (members' posts through the Posts API): `adapter` (calls), `answers` (what
LinkedIn's answers mean), `text` (the little text format and the 3,000-character limit).
`from amplifier.platforms.linkedin import LinkedInAdapter` is the public face."""

from .adapter import SCOPES, LinkedInAdapter

__all__ = ["SCOPES", "LinkedInAdapter"]
