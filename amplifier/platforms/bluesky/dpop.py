"""The keys and signed tokens of AT Protocol OAuth, through joserfc (a maintained JOSE library).

- a **DPoP proof** (RFC 9449 §4): a JWT with header ``typ: dpop+jwt``, ``alg: ES256`` and the
  session key's public ``jwk``; claims ``jti``, ``htm``, ``htu`` (without query or fragment),
  ``iat``, the server's ``nonce`` when it gave one, and ``ath`` (base64url SHA-256 of the access
  token) on calls to the PDS;
- a **client assertion** (RFC 7523, ``private_key_jwt``): ``iss`` = ``sub`` = our client id,
  ``aud`` = the authorization server's issuer, ``jti``, ``iat``, ``exp``, signed with our
  client key (its ``kid`` in the header).

Source: https://atproto.com/specs/oauth ("DPoP", "Confidential Client Authentication").
Every supporter session gets its own ES256 key (kept encrypted beside the tokens, in
``TokenSet.extras``); the client key is the deployment's (settings).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_S = 60


def new_key(kid: str | None = None) -> ECKey:
    """A fresh ES256 (P-256) private key."""
    if kid:
        return ECKey.generate_key("P-256", parameters={"kid": kid}, private=True)
    return ECKey.generate_key("P-256", private=True)


def key_to_json(key: ECKey) -> str:
    """The private key as JWK JSON: what is stored (encrypted) and configured."""
    return json.dumps(key.as_dict(private=True), sort_keys=True)


def key_from_json(raw: str) -> ECKey:
    """A private ES256 key from JWK JSON; ValueError when it is not one."""
    try:
        data = json.loads(raw)
        key = ECKey.import_key(data)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not an EC private key in JWK form: {exc}") from None
    if data.get("crv") != "P-256" or "d" not in data:
        raise ValueError("the key must be a P-256 private key (a JWK with crv P-256 and d)")
    return key


def public_jwk(key: ECKey) -> dict[str, Any]:
    public = key.as_dict(private=False)
    return {k: v for k, v in public.items() if k in ("kty", "crv", "x", "y", "kid")}


def access_token_hash(token: str) -> str:
    digest = hashlib.sha256(token.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def proof(
    key: ECKey, *, method: str, url: str, nonce: str | None, access_token: str | None = None
) -> str:
    """A DPoP proof for one request (`url` is cut at its query)."""
    jwk = {k: v for k, v in public_jwk(key).items() if k != "kid"}
    claims: dict[str, Any] = {
        "jti": secrets.token_urlsafe(16),
        "htm": method.upper(),
        "htu": url.split("?", 1)[0].split("#", 1)[0],
        "iat": int(time.time()),
    }
    if nonce:
        claims["nonce"] = nonce
    if access_token is not None:
        claims["ath"] = access_token_hash(access_token)
    return jwt.encode({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk}, claims, key)


def client_assertion(client_key: ECKey, *, client_id: str, issuer: str) -> dict[str, str]:
    """The form fields that authenticate our confidential client (`private_key_jwt`)."""
    now = int(time.time())
    header: dict[str, Any] = {"alg": "ES256"}
    kid = client_key.as_dict(private=False).get("kid")
    if kid:
        header["kid"] = kid
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": issuer,
        "jti": secrets.token_urlsafe(16),
        "iat": now,
        "exp": now + ASSERTION_LIFETIME_S,
    }
    return {
        "client_id": client_id,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": jwt.encode(header, claims, client_key),
    }
