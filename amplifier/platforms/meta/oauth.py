"""Facebook Login's manual flow, the part Meta's platforms share.

- The dialog: `{dialog_url}?client_id&redirect_uri&state&scope&response_type=code`, scopes
  comma-separated (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow).
- The code is exchanged at `{graph}/oauth/access_token` (`client_id`, `client_secret`,
  `redirect_uri`, `code`) for a short-lived user token, which `grant_type=fb_exchange_token`
  turns into a long-lived one, about 60 days
  (https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived).
  Answers: `{"access_token", "token_type": "bearer", "expires_in"}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests

from .._http import MAX_REDIRECTS, RoutingAdapter, network_error
from ..base import AuthExpired, Rejected, TokenSet
from .answers import GraphAnswers


def dialog_url(
    base: str, *, client_id: str, redirect_uri: str, state: str, scopes: tuple[str, ...]
) -> str:
    query = urlencode(
        {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": ",".join(scopes),
            "response_type": "code",
        }
    )
    return f"{base}?{query}"


def graph_session(policy: GraphAnswers, timeout: float) -> requests.Session:
    """A requests session whose every Graph call is bounded and translated (`_http.py`)."""
    http = requests.Session()
    adapter = RoutingAdapter(timeout=timeout, policy=policy)
    http.mount("https://", adapter)
    http.mount("http://", adapter)
    http.headers["Accept"] = "application/json"
    http.max_redirects = MAX_REDIRECTS
    return http


def graph_call(
    http: requests.Session, method: str, url: str, *, write: bool, label: str, **kwargs: Any
) -> dict[str, Any]:
    """One call; the transport already raised what an error answer means."""
    try:
        response = http.request(method, url, **kwargs)
    except requests.RequestException as exc:
        raise network_error(exc, write=write, platform=label) from None
    body = response.json()
    return body if isinstance(body, dict) else {}


def token_set(body: Mapping[str, Any], *, label: str, scope: str | None = None) -> TokenSet:
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise Rejected(f"{label} returned no access token")
    expires_at = None
    if body.get("expires_in") is not None:
        try:
            expires_at = datetime.now(UTC) + timedelta(seconds=int(float(body["expires_in"])))
        except (TypeError, ValueError, OverflowError):
            raise Rejected(f"{label} gave an unreadable expires_in") from None
    return TokenSet(access_token=access, expires_at=expires_at, scope=scope)


def exchange_code_long_lived(
    http: requests.Session,
    graph: str,
    *,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    label: str,
    scope: str,
) -> TokenSet:
    """The code → a short-lived user token → a long-lived one (the short one is dropped)."""
    try:
        short = graph_call(
            http,
            "POST",
            f"{graph}/oauth/access_token",
            write=False,
            label=label,
            data={
                "grant_type": "authorization_code",
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uri": redirect_uri,
                "code": code,
            },
        )
        long = graph_call(
            http,
            "POST",
            f"{graph}/oauth/access_token",
            write=False,
            label=label,
            data={
                "grant_type": "fb_exchange_token",
                "client_id": client_id,
                "client_secret": client_secret,
                "fb_exchange_token": token_set(short, label=label).access_token,
            },
        )
    except (Rejected, AuthExpired) as exc:
        raise Rejected(
            f"{label} did not accept the sign-in (the link may have expired or been used "
            f"already): please connect again. ({exc.message})",
            status=exc.status,
        ) from None
    return token_set(long, label=label, scope=scope)
