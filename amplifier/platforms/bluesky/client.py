"""Our client as an AT Protocol authorization server sees it: the client metadata document
served at the `client_id` URL, and the public JWKS of our `private_key_jwt` key.

Source: https://atproto.com/specs/oauth ("Client ID Metadata Document", "Confidential Client
Authentication"). The `client_id` is the document's own https URL; it lists our redirect URI,
the scope, `dpop_bound_access_tokens: true`, `token_endpoint_auth_method: private_key_jwt` with
`ES256`, and `jwks_uri`. The key comes from `AMPLIFIER_BLUESKY_CLIENT_KEY`; in development one is
made on first use in the data directory (mode 0600, like the other development keys); in
production a missing key means Bluesky is not offered.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey

from . import dpop
from .settings import BlueskySettings

METADATA_PATH = "/oauth/bluesky/client-metadata.json"
JWKS_PATH = "/oauth/bluesky/jwks.json"
SCOPE = "atproto transition:generic"


def client_id(public_url: str) -> str:
    return public_url.rstrip("/") + METADATA_PATH


def client_key(settings: BlueskySettings) -> ECKey | None:
    """The configured key; in development a generated one; None in production without one."""
    if settings.client_key:
        return dpop.key_from_json(settings.client_key)
    if settings.env == "production":
        return None
    path = Path(settings.data_dir) / "bluesky-client-key.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(dpop.key_to_json(dpop.new_key(kid="amplifier-dev")))
        try:
            os.link(tmp, path)  # first writer wins when several processes start at once
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return dpop.key_from_json(path.read_text())


def metadata(public_url: str, redirect_uri: str, client_name: str) -> dict[str, Any]:
    base = public_url.rstrip("/")
    return {
        "client_id": client_id(public_url),
        "client_name": client_name,
        "client_uri": base,
        "application_type": "web",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": SCOPE,
        "redirect_uris": [redirect_uri],
        "dpop_bound_access_tokens": True,
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": "ES256",
        "jwks_uri": base + JWKS_PATH,
    }


def jwks(key: ECKey) -> dict[str, Any]:
    return {"keys": [{**dpop.public_jwk(key), "use": "sig", "alg": "ES256"}]}
