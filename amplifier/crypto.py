"""OAuth tokens at rest, and the signatures on supporters' manage links.

Tokens are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) through MultiFernet, so several keys
can be accepted for reading while the newest one writes: rotating a key never strands a pledge.
Manage links carry an HMAC instead of a stored secret, so a leaked database alone cannot forge one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import TypeGuard

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class TokenCipher:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one token key is needed")
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("stored token cannot be decrypted with the configured keys") from exc

    def encrypt_optional(self, plaintext: str | None) -> str | None:
        return None if plaintext is None else self.encrypt(plaintext)

    def decrypt_optional(self, ciphertext: str | None) -> str | None:
        return None if ciphertext is None else self.decrypt(ciphertext)


def generate_fernet_key() -> str:
    return Fernet.generate_key().decode()


def _utf8(value: str) -> bytes:
    # "surrogatepass": a lone surrogate (JSON's "\\ud800") is bytes like any other, never an error
    return value.encode("utf-8", "surrogatepass")


def hash_secret(value: str) -> str:
    """API tokens, login sessions and browser nonces are stored only as this digest (hex)."""
    return hashlib.sha256(_utf8(value)).hexdigest()


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


# What our random secrets look like (`new_secret`'s urlsafe base64, with a prefix such as amp_).
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]+")
_SIGNATURE = re.compile(r"[0-9a-f]{32}")


def plausible_secret(
    value: str | None, *, max_length: int = 200, prefix: str = ""
) -> TypeGuard[str]:
    """Whether `value` could be a secret we issued: `prefix`, then URL-safe base64, not longer
    than `max_length`. Anything else (empty, non-ASCII, NUL, overlong) is simply a wrong secret,
    refused before it is hashed, looked up or compared."""
    return (
        value is not None
        and len(prefix) < len(value) <= max_length
        and value.startswith(prefix)
        and _SECRET_SHAPE.fullmatch(value, len(prefix)) is not None
    )


def same_secret(expected: str, given: str) -> bool:
    """Constant-time equality of two strings of any characters.

    `hmac.compare_digest` raises TypeError on a str that is not ASCII: a value taken from a
    request must never get that far as str, so both sides are compared as UTF-8 bytes.
    """
    return hmac.compare_digest(_utf8(expected), _utf8(given))


def sign(key: bytes, message: str) -> str:
    """A manage link's signature: HMAC-SHA256 of `message`, 32 lowercase hex digits (128 bits)."""
    return hmac.new(key, _utf8(message), hashlib.sha256).hexdigest()[:32]


def verify(key: bytes, message: str, signature: str) -> bool:
    """Whether `signature` (from a URL: any text) is `sign(key, message)`; False, never an error,
    for anything else — non-ASCII, overlong, empty, upper case."""
    return _SIGNATURE.fullmatch(signature) is not None and same_secret(
        sign(key, message), signature
    )
