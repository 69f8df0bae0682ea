"""X's OAuth 2.0 Authorization Code flow with PKCE: the consent URL, and the token answers.

- Consent: `{authorize_url}?response_type=code&client_id=…&redirect_uri=…&scope=…&state=…
  &code_challenge=…&code_challenge_method=S256`, a fresh verifier per request.
- Tokens: `POST /2/oauth2/token` through `tweepy.OAuth2UserHandler` (a requests_oauthlib
  `OAuth2Session`); a confidential client authenticates with HTTP Basic, a public one sends its
  `client_id` in the body. Access tokens last 2 hours; `offline.access` yields a refresh token,
  and X rotates it on every refresh: always store the TokenSet `refresh` returns.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from .._http import network_error
from ..base import PlatformError, Rejected, TokenSet

SCOPES = ("tweet.read", "tweet.write", "users.read", "offline.access", "media.write")
TOKEN_URL = "https://api.x.com/2/oauth2/token"


def pkce_pair() -> tuple[str, str]:
    """A fresh RFC 7636 verifier (86 URL-safe characters) and its S256 challenge."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def token_call(fn: Callable[[], Mapping[str, Any]]) -> Mapping[str, Any]:
    """Run a requests_oauthlib token request; its failures become PlatformErrors.

    Error answers were already translated by the transport (`answers.token_error`).
    """
    try:
        return fn()
    except PlatformError:
        raise
    except Warning as warning:  # oauthlib: granted scopes differ from the requested ones
        token = getattr(warning, "token", None)
        if isinstance(token, Mapping):
            return token
        raise Rejected(f"X answered the token request oddly: {warning}") from None
    except requests.RequestException as exc:
        raise network_error(exc, write=False, platform="X") from None
    except ValueError as exc:  # oauthlib parsing / OAuth2Error
        raise Rejected(f"X's token endpoint answered unexpectedly: {exc}") from None


def token_set(token: Mapping[str, Any], previous: TokenSet | None = None) -> TokenSet:
    access = token.get("access_token")
    if not access:
        raise Rejected("X's token endpoint returned no access token")
    expires_at = None
    if token.get("expires_in") is not None:
        try:
            lifetime = timedelta(seconds=int(float(token["expires_in"])))
        except (TypeError, ValueError, OverflowError):
            raise Rejected("X's token endpoint gave an unreadable expires_in") from None
        expires_at = datetime.now(UTC) + lifetime
    refresh = token.get("refresh_token") or (previous.refresh_token if previous else None)
    scope = token.get("scope")
    if isinstance(scope, list):
        scope = " ".join(str(s) for s in scope)
    return TokenSet(
        access_token=str(access),
        refresh_token=str(refresh) if refresh else None,
        expires_at=expires_at,
        scope=str(scope) if scope else (previous.scope if previous else None),
        extras=dict(previous.extras) if previous else {},
    )
