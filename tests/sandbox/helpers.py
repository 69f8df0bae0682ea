"""OAuth and posting helpers for the sandbox tests (plain ``requests``)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

X_CLIENT_ID = "test-client-id"
X_CLIENT_SECRET = "test-client-secret"
REDIRECT_URI = "http://127.0.0.1:9/callback"
X_SCOPES = "tweet.read tweet.write users.read offline.access"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class Authorized:
    code: str
    state: str
    verifier: str


def x_authorize_url(x_url: str, challenge: str, state: str, scope: str = X_SCOPES) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": X_CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": scope,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{x_url}/i/oauth2/authorize?{query}"


def redirect_params(resp: requests.Response) -> dict[str, str]:
    assert resp.status_code == 302, resp.text
    location = resp.headers["Location"]
    assert location.startswith(REDIRECT_URI)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def x_authorize(
    x_url: str, username: str, followers: int | None = None, scope: str = X_SCOPES
) -> Authorized:
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(8)
    url = x_authorize_url(x_url, challenge, state, scope)
    page = requests.get(url, timeout=5)
    assert page.status_code == 200
    form: dict[str, Any] = {"username": username, "decision": "approve"}
    if followers is not None:
        form["followers"] = str(followers)
    params = redirect_params(requests.post(url, data=form, allow_redirects=False, timeout=5))
    assert params["state"] == state
    return Authorized(params["code"], state, verifier)


def x_exchange(x_url: str, auth: Authorized) -> requests.Response:
    return requests.post(
        f"{x_url}/2/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": auth.code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": auth.verifier,
        },
        auth=(X_CLIENT_ID, X_CLIENT_SECRET),
        timeout=5,
    )


def x_login(x_url: str, username: str, followers: int | None = None) -> dict[str, Any]:
    resp = x_exchange(x_url, x_authorize(x_url, username, followers))
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def tweet(x_url: str, token: str, text: str, timeout: float = 5) -> requests.Response:
    return requests.post(
        f"{x_url}/2/tweets",
        json={"text": text},
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout,
    )


def masto_app(base: str, scopes: str = "read write") -> dict[str, Any]:
    resp = requests.post(
        f"{base}/api/v1/apps",
        data={"client_name": "Amplifier", "redirect_uris": REDIRECT_URI, "scopes": scopes},
        timeout=5,
    )
    assert resp.status_code == 200, resp.text
    app: dict[str, Any] = resp.json()
    return app


def masto_authorize_url(base: str, app: dict[str, Any], state: str = "st8") -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": REDIRECT_URI,
            "scope": "read write",
            "state": state,
        }
    )
    return f"{base}/oauth/authorize?{query}"


def masto_code(base: str, app: dict[str, Any], username: str, followers: int | None = None) -> str:
    url = masto_authorize_url(base, app)
    assert requests.get(url, timeout=5).status_code == 200
    form = {"username": username, "decision": "approve"}
    if followers is not None:
        form["followers"] = str(followers)
    params = redirect_params(requests.post(url, data=form, allow_redirects=False, timeout=5))
    assert params["state"] == "st8"
    return params["code"]


def masto_exchange(base: str, app: dict[str, Any], code: str) -> requests.Response:
    return requests.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect_uri": REDIRECT_URI,
            "scope": "read write",
        },
        timeout=5,
    )


def masto_login(
    base: str, username: str, followers: int | None = None
) -> tuple[dict[str, Any], str]:
    app = masto_app(base)
    resp = masto_exchange(base, app, masto_code(base, app, username, followers))
    assert resp.status_code == 200, resp.text
    return app, str(resp.json()["access_token"])


def toot(
    base: str, token: str, text: str, key: str | None = None, timeout: float = 5
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return requests.post(
        f"{base}/api/v1/statuses", data={"status": text}, headers=headers, timeout=timeout
    )
