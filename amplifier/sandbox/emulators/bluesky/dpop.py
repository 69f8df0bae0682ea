"""DPoP proofs (RFC 9449) and ES256 JSON Web Signatures (RFC 7515, RFC 7518 §3.4), checked the
way an AT Protocol authorization server and PDS check them (https://atproto.com/specs/oauth):

- every request carries a ``DPoP`` header: a JWS with ``typ: dpop+jwt``, ``alg: ES256`` and the
  public ``jwk``; claims ``jti`` (never seen before), ``htm`` (the method), ``htu`` (the URL
  without query), ``iat`` (recent), ``nonce`` (the server's current or previous ``DPoP-Nonce``)
  and, with an access token, ``ath`` (base64url SHA-256 of the token);
- a missing or stale nonce is answered with ``use_dpop_nonce`` and a fresh ``DPoP-Nonce``.

Written with ``cryptography`` only, never with the app's JOSE library: the two sides must not
share a mistake.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

NONCE_LIFETIME_S = 180.0
# An EC public JWK's required members, in the order RFC 7638 hashes them (crv, kty, x, y)
PUBLIC_MEMBERS = ("crv", "kty", *"xy")
IAT_SKEW_S = 300.0


class ProofError(ValueError):
    """A DPoP proof or a signed assertion that does not hold (the message says why)."""


class NonceNeeded(ProofError):
    """The proof carries no nonce, or one the server no longer accepts."""


def b64url_decode(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise ProofError("not base64url") from None


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _public_key(jwk: Any) -> ec.EllipticCurvePublicKey:
    if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ProofError("the key is not an EC P-256 JWK")
    if "d" in jwk:
        raise ProofError("the JWK carries a private key")
    try:
        across, up = (int.from_bytes(b64url_decode(str(jwk[c])), "big") for c in "xy")
        return ec.EllipticCurvePublicNumbers(across, up, ec.SECP256R1()).public_key()
    except (KeyError, ValueError):
        raise ProofError("the JWK is not a P-256 point") from None


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 over the required members, sorted, without whitespace."""
    members = {k: jwk[k] for k in PUBLIC_MEMBERS}
    return b64url(hashlib.sha256(json.dumps(members, separators=(",", ":")).encode()).digest())


def verify_es256(
    token: str, key: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of an ES256 compact JWS, its signature checked against `key` (or
    the header's own ``jwk`` when `key` is None)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ProofError("not a compact JWS")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
    except ValueError:
        raise ProofError("the JWS header or payload is not JSON") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ProofError("the JWS header or payload is not an object")
    if header.get("alg") != "ES256":
        raise ProofError("alg must be ES256")
    public = _public_key(key if key is not None else header.get("jwk"))
    signature = b64url_decode(parts[2])
    if len(signature) != 64:
        raise ProofError("an ES256 signature is 64 bytes")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public.verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ProofError("the signature does not verify") from None
    return header, claims


@dataclass
class ProofChecker:
    """The server's nonces and the proofs it has seen (replays are refused)."""

    current: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    previous: str | None = None
    rotated_at: float = field(default_factory=time.time)
    seen: dict[str, float] = field(default_factory=dict)

    def nonce(self) -> str:
        if time.time() - self.rotated_at > NONCE_LIFETIME_S:
            self.previous, self.current = self.current, secrets.token_urlsafe(16)
            self.rotated_at = time.time()
        return self.current

    def check(
        self, proof: str | None, *, method: str, url: str, access_token: str | None = None
    ) -> str:
        """The proof's key thumbprint (``jkt``); ProofError or NonceNeeded when it fails."""
        if not proof:
            raise ProofError("DPoP proof required")
        header, claims = verify_es256(proof)
        if header.get("typ") != "dpop+jwt":
            raise ProofError('typ must be "dpop+jwt"')
        jti, iat = claims.get("jti"), claims.get("iat")
        if not isinstance(jti, str) or not jti or not isinstance(iat, int | float):
            raise ProofError("jti and iat are required")
        if claims.get("htm") != method:
            raise ProofError("htm does not match the request method")
        if str(claims.get("htu", "")).split("?", 1)[0].split("#", 1)[0] != url:
            raise ProofError("htu does not match the request URL")
        now = time.time()
        if abs(now - float(iat)) > IAT_SKEW_S:
            raise ProofError("iat is too far from now")
        if access_token is not None:
            expected = b64url(hashlib.sha256(access_token.encode("ascii", "replace")).digest())
            if claims.get("ath") != expected:
                raise ProofError("ath does not match the access token")
        self.nonce()
        if claims.get("nonce") not in (self.current, self.previous) or not claims.get("nonce"):
            raise NonceNeeded("a fresh DPoP nonce is required")
        self.seen = {j: t for j, t in self.seen.items() if now - t < 2 * IAT_SKEW_S}
        if jti in self.seen:
            raise ProofError("this DPoP proof was used already (jti replay)")
        self.seen[jti] = now
        return thumbprint(header["jwk"])
