"""Signed links in mails: address verification, password reset, one-click unsubscribe.

A token is `purpose.field….expires.signature`, the signature HMAC-SHA256 under
`AMPLIFIER_SIGNING_KEY` (crypto.sign, compared in constant time), so nothing about a link is
stored: an outbox row holds only ids, and the link is made when the mail is rendered. A password
reset link also signs a digest of the current password hash, so it works once: the reset changes
the hash and every earlier link stops verifying.

Errors: `LinkInvalid` (tampered, unknown purpose, malformed) and its subclass `LinkExpired`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from amplifier.crypto import sign, verify

_MAX_TOKEN = 400


class LinkInvalid(ValueError):
    """The link was altered, cut short or is not one of ours."""


class LinkExpired(LinkInvalid):
    """The link was ours but its time is up."""


def make_token(key: bytes, purpose: str, fields: list[str], *, expires: datetime | None) -> str:
    """A signed token; `fields` must not contain dots. `expires=None` never expires."""
    stamp = str(int(expires.timestamp())) if expires is not None else "0"
    body = ".".join([purpose, *fields, stamp])
    return f"{body}.{sign(key, 'mail-link:' + body)}"


def read_token(key: bytes, token: str, purpose: str, n_fields: int, *, now: datetime) -> list[str]:
    """The token's fields if it is ours, for `purpose`, unaltered and unexpired."""
    parts = token.split(".") if len(token) <= _MAX_TOKEN else []
    if len(parts) != n_fields + 3 or parts[0] != purpose:
        raise LinkInvalid("this link is not complete or not one of ours")
    body = ".".join(parts[:-1])
    if not verify(key, "mail-link:" + body, parts[-1]):
        raise LinkInvalid("this link is not complete or not one of ours")
    stamp = parts[-2]
    if not stamp.isdigit():
        raise LinkInvalid("this link is not complete or not one of ours")
    if stamp != "0" and int(stamp) < now.timestamp():
        raise LinkExpired("this link has expired")
    return parts[1:-2]


def address_digest(address: str) -> str:
    """An address inside a link, without writing it into the URL."""
    return hashlib.sha256(address.lower().encode()).hexdigest()[:24]


def password_digest(password_hash: str | None) -> str:
    """Changes whenever the password does (argon2 salts every hash): a reset link works once."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:24]
