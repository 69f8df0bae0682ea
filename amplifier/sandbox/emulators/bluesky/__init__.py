"""The Bluesky emulator: one host playing an AT Protocol PDS, its OAuth authorization server
(PAR, DPoP, ``private_key_jwt``), a handle resolver and a PLC-directory stand-in.

``oauth`` (the authorization server), ``dpop`` (proofs and JWS checks, written from RFC 9449
and RFC 7515 with ``cryptography`` alone), ``identity`` (handles, DIDs, DID documents,
metadata), ``api`` (the XRPC repository and profile methods), ``lexicon`` (the post record's
validation); ``dialect`` puts them together for the kit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from amplifier.sandbox.emulators.bluesky.dialect import BlueskyDialect
from amplifier.sandbox.kit.dialect import Emulator


@dataclass
class BlueskySettings:
    handle_domain: str = field(
        default="bsky.sandbox", metadata={"help": "accounts' handles are NAME.<this domain>"}
    )
    token_ttl: int = field(default=900, metadata={"help": "access token lifetime (seconds)"})


EMULATOR = Emulator(
    name="bluesky",
    label="Bluesky (a PDS with its authorization server)",
    many=False,
    settings=BlueskySettings,
    dialect=BlueskyDialect,
    announce=("handle_domain",),
)
