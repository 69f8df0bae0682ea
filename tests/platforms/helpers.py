"""Helpers for driving the sandbox from the adapter tests (consent forms, admin API)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from amplifier.platforms.base import AuthorizationRequest

CLIENT_ID = "cid"
CLIENT_SECRET = "csecret"
REDIRECT_URI = "http://127.0.0.1:9/callback"


def admin(base: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the sandbox's admin API (`/_sandbox/...`) and return its JSON (or None)."""
    url = f"{base}/_sandbox/{path}"
    response = (
        requests.get(url, timeout=5) if body is None else requests.post(url, json=body, timeout=5)
    )
    assert response.status_code < 300, (url, response.status_code, response.text)
    try:
        return response.json()
    except ValueError:
        return None


def consent(
    request: AuthorizationRequest, *, username: str, followers: int = 120, approve: bool = True
) -> str:
    """Fill in the sandbox's consent form; return the `code` from the redirect."""
    response = requests.post(
        request.url,
        data={
            "username": username,
            "followers": str(followers),
            "decision": "approve" if approve else "deny",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code in (302, 303), (response.status_code, response.text[:500])
    location = response.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [request.state]
    return query["code"][0]


def posts(base: str) -> list[dict[str, Any]]:
    body = admin(base, "posts")
    if isinstance(body, dict):
        for key in ("posts", "data", "items"):
            if isinstance(body.get(key), list):
                return list(body[key])
    assert isinstance(body, list), body
    return body
