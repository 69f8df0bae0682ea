"""AT Protocol OAuth as a confidential web client (https://atproto.com/specs/oauth).

The PDS names its authorization server (`/.well-known/oauth-protected-resource`, RFC 9728),
whose metadata (`/.well-known/oauth-authorization-server`, RFC 8414) must name itself as
`issuer`. A sign-in is a pushed authorization request (PAR, RFC 9126) with PKCE S256, `state`,
our `private_key_jwt` assertion and a DPoP proof; the browser goes to the authorization
endpoint with `client_id` and `request_uri` only. Tokens come back DPoP-bound (`token_type`
`DPoP`) with `sub`, the account's DID, which must lead back to this PDS. Every call to the
authorization server and the PDS carries a DPoP proof with the server's latest nonce; a
`use_dpop_nonce` refusal is retried once with the nonce it gave.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from joserfc.jwk import ECKey

from .._http import network_error
from ..base import PlatformError, Rejected, TokenSet, Transient
from . import dpop
from .answers import NonceRequired


@dataclass(frozen=True)
class AuthServer:
    issuer: str
    par: str
    authorize: str
    token: str


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class DpopClient:
    """Synchronous DPoP calls with the nonce retry, on one bounded requests session."""

    def __init__(self, http: requests.Session, host: str) -> None:
        self.http = http
        self.host = host
        self.nonces: dict[str, str] = {}  # origin → the latest DPoP-Nonce it gave

    def call(
        self,
        method: str,
        url: str,
        key: ECKey,
        *,
        write: bool,
        access_token: str | None = None,
        form: Callable[[], Mapping[str, str]] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One call (two if the server asks for a fresh nonce); the answer's JSON object."""
        where = origin(url)
        for _ in range(2):
            headers = {
                "DPoP": dpop.proof(
                    key,
                    method=method,
                    url=url,
                    nonce=self.nonces.get(where),
                    access_token=access_token,
                ),
                "Accept": "application/json",
            }
            if access_token is not None:
                headers["Authorization"] = f"DPoP {access_token}"
            try:
                answer = self.http.request(
                    method,
                    url,
                    headers=headers,
                    data=dict(form()) if form is not None else None,
                    json=dict(body) if body is not None else None,
                )
            except NonceRequired as exc:
                self.nonces[where] = exc.nonce
                continue
            except requests.RequestException as exc:
                raise network_error(exc, write=write, platform=self.host) from None
            nonce = answer.headers.get("DPoP-Nonce")
            if nonce:
                self.nonces[where] = nonce
            parsed = json.loads(answer.content)
            return parsed if isinstance(parsed, dict) else {}
        raise Transient(f"{self.host} asked for a new DPoP nonce twice in a row")

    def get_json(self, url: str) -> dict[str, Any]:
        try:
            answer = self.http.get(url, headers={"Accept": "application/json"})
        except requests.RequestException as exc:
            raise network_error(exc, write=False, platform=self.host) from None
        parsed = json.loads(answer.content)
        return parsed if isinstance(parsed, dict) else {}


def discover(client: DpopClient, pds: str) -> AuthServer:
    """The PDS's authorization server and its endpoints; PlatformError when they do not hold."""
    resource = client.get_json(f"{pds}/.well-known/oauth-protected-resource")
    servers = resource.get("authorization_servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], str):
        raise Rejected(f"{client.host} names no authorization server")
    issuer = servers[0].rstrip("/")
    meta = client.get_json(f"{issuer}/.well-known/oauth-authorization-server")
    if str(meta.get("issuer", "")).rstrip("/") != issuer:
        raise Rejected(f"{issuer}'s metadata names another issuer: it cannot be trusted")
    endpoints = [
        meta.get(k)
        for k in (
            "pushed_authorization_request_endpoint",
            "authorization_endpoint",
            "token_endpoint",
        )
    ]
    if not all(isinstance(e, str) and e.startswith(("https://", "http://")) for e in endpoints):
        raise Rejected(f"{issuer} does not offer pushed authorization requests")
    if "ES256" not in (meta.get("dpop_signing_alg_values_supported") or []):
        raise Rejected(f"{issuer} does not accept ES256 DPoP proofs")
    par, authorize, token = (str(e) for e in endpoints)
    return AuthServer(issuer=str(meta["issuer"]), par=par, authorize=authorize, token=token)


def token_fields(body: Mapping[str, Any], host: str) -> tuple[str, str | None, int | None, str]:
    """(access token, refresh token, lifetime in seconds, sub) from a token answer."""
    access, kind, sub = body.get("access_token"), body.get("token_type"), body.get("sub")
    if not isinstance(access, str) or not access:
        raise Rejected(f"{host} returned no access token")
    if not isinstance(kind, str) or kind.lower() != "dpop":
        raise Rejected(f"{host} returned a {kind!r} token where a DPoP-bound one is required")
    if not isinstance(sub, str) or not sub.startswith("did:"):
        raise Rejected(f"{host} did not say whose account the token is for (no sub)")
    refresh = body.get("refresh_token")
    lifetime = body.get("expires_in")
    seconds = int(lifetime) if isinstance(lifetime, int | float) and lifetime > 0 else None
    return access, refresh if isinstance(refresh, str) and refresh else None, seconds, sub


def token_set(
    body: Mapping[str, Any], key_json: str, extras: Mapping[str, str], host: str
) -> TokenSet:
    """The tokens of an answer, with the session's key and the account's DID in the extras
    (and every other extra kept: they belong to the account, not to one pair)."""
    access, refresh, seconds, sub = token_fields(body, host)
    scope = body.get("scope")
    return TokenSet(
        access_token=access,
        refresh_token=refresh,
        expires_at=datetime.now(UTC) + timedelta(seconds=seconds) if seconds else None,
        scope=scope if isinstance(scope, str) else None,
        extras={**extras, "dpop_key": key_json, "did": sub},
    )


__all__ = [
    "AuthServer",
    "DpopClient",
    "PlatformError",
    "discover",
    "origin",
    "token_fields",
    "token_set",
]
