"""A pledge's OAuth tokens at rest: encrypted with the token cipher, read back as a TokenSet.

Apart from pledging.py so that the release's hot path (claims.py reads plain columns) and the
pledge pages share one codec; pledging.py re-exports these names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from amplifier.crypto import TokenCipher
from amplifier.models import Pledge
from amplifier.platforms.base import TokenSet


class HoldsTokens(Protocol):
    """A pledge's token columns: a `Pledge`, or a row read without the ORM (release/claims.py)."""

    @property
    def access_token_enc(self) -> str | None: ...
    @property
    def refresh_token_enc(self) -> str | None: ...
    @property
    def token_expires_at(self) -> datetime | None: ...
    @property
    def token_scope(self) -> str | None: ...
    @property
    def token_extras_enc(self) -> str | None: ...


def tokens_of(pledge: HoldsTokens, cipher: TokenCipher) -> TokenSet:
    if pledge.access_token_enc is None:
        raise ValueError("this pledge holds no token any more")
    return TokenSet(
        access_token=cipher.decrypt(pledge.access_token_enc),
        refresh_token=cipher.decrypt_optional(pledge.refresh_token_enc),
        expires_at=pledge.token_expires_at,
        scope=pledge.token_scope,
        extras=decrypt_extras(pledge.token_extras_enc, cipher),
    )


def encrypt_extras(extras: Mapping[str, str], cipher: TokenCipher) -> str | None:
    """`TokenSet.extras` as the token cipher's ciphertext of sorted JSON; None when empty."""
    return cipher.encrypt(json.dumps(dict(extras), sort_keys=True)) if extras else None


def decrypt_extras(stored: str | None, cipher: TokenCipher) -> dict[str, str]:
    if stored is None:
        return {}
    loaded = json.loads(cipher.decrypt(stored))
    if not isinstance(loaded, dict):
        raise ValueError("a pledge's token extras are not a JSON object")
    return {str(k): str(v) for k, v in loaded.items()}


def store_tokens(pledge: Pledge, tokens: TokenSet, cipher: TokenCipher) -> None:
    pledge.access_token_enc = cipher.encrypt(tokens.access_token)
    pledge.refresh_token_enc = cipher.encrypt_optional(tokens.refresh_token)
    pledge.token_extras_enc = encrypt_extras(tokens.extras, cipher)
    pledge.token_expires_at = tokens.expires_at
    pledge.token_scope = tokens.scope
