"""The Mastodon emulator over HTTP: apps, OAuth, accounts, statuses, instance, limits."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import requests

from amplifier.sandbox import RunningSandbox

from ..helpers import (
    REDIRECT_URI,
    masto_app,
    masto_authorize_url,
    masto_code,
    masto_exchange,
    masto_login,
    redirect_params,
    toot,
)


def admin(base: str, path: str, body: dict[str, object] | None = None) -> requests.Response:
    url = f"{base}/_sandbox/{path}"
    if body is None:
        return requests.get(url, timeout=5)
    return requests.post(url, json=body, timeout=5)


def test_register_authorize_token_verify_and_post(masto_url: str) -> None:
    app = masto_app(masto_url)
    assert app["client_id"] and app["client_secret"] and app["name"] == "Amplifier"
    assert app["redirect_uri"] == REDIRECT_URI

    page = requests.get(masto_authorize_url(masto_url, app), timeout=5)
    assert page.status_code == 200 and "wants to post on your behalf" in page.text

    code = masto_code(masto_url, app, "alice", followers=42)
    tok = masto_exchange(masto_url, app, code)
    assert tok.status_code == 200
    body = tok.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "read write"
    assert isinstance(body["created_at"], int)
    assert "expires_in" not in body and "refresh_token" not in body
    token = body["access_token"]

    me = requests.get(
        f"{masto_url}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert me.status_code == 200
    account = me.json()
    assert account["username"] == "alice" and account["acct"] == "alice"
    assert account["followers_count"] == 42
    assert account["url"] == f"{masto_url}/@alice"
    assert "source" in account
    app_check = requests.get(
        f"{masto_url}/api/v1/apps/verify_credentials",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).json()
    assert app_check["name"] == "Amplifier" and "client_secret" not in app_check
    assert me.headers["X-RateLimit-Limit"] == "300"
    reset = datetime.fromisoformat(me.headers["X-RateLimit-Reset"].replace("Z", "+00:00"))
    assert reset > datetime.now(UTC)

    posted = toot(masto_url, token, "Hello <world>\nhttps://example.com/x", key="k-1")
    assert posted.status_code == 200
    status = posted.json()
    assert status["id"].isdigit()
    assert status["visibility"] == "public"
    assert status["account"]["id"] == account["id"]
    assert status["url"] == f"{masto_url}/@alice/{status['id']}"
    assert status["uri"].startswith(f"{masto_url}/users/alice/statuses/")
    assert status["content"].startswith("<p>Hello &lt;world&gt;<br />")
    assert '<a href="https://example.com/x"' in status["content"]
    assert status["application"]["name"] == "Amplifier"

    again = toot(masto_url, token, "Hello <world>\nhttps://example.com/x", key="k-1")
    assert again.status_code == 200 and again.json()["id"] == status["id"]
    other = toot(masto_url, token, "Hello <world>\nhttps://example.com/x", key="k-2")
    assert other.json()["id"] != status["id"]

    posts = admin(masto_url, "posts").json()["posts"]
    assert [p["idempotency_key"] for p in posts] == ["k-1", "k-2"]

    listed = requests.get(f"{masto_url}/api/v1/accounts/{account['id']}/statuses", timeout=5)
    assert [s["id"] for s in listed.json()] == [other.json()["id"], status["id"]]
    looked = requests.get(
        f"{masto_url}/api/v1/accounts/lookup", params={"acct": "alice"}, timeout=5
    )
    assert looked.json()["id"] == account["id"]


def test_json_bodies_are_accepted(masto_url: str) -> None:
    _, token = masto_login(masto_url, "json")
    resp = requests.post(
        f"{masto_url}/api/v1/statuses",
        json={"status": "as json", "visibility": "unlisted"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert resp.status_code == 200 and resp.json()["visibility"] == "unlisted"


def test_character_limit_and_instance_configuration(masto_url: str) -> None:
    _, token = masto_login(masto_url, "bob")
    inst = requests.get(f"{masto_url}/api/v2/instance", timeout=5).json()
    assert inst["configuration"]["statuses"]["max_characters"] == 500
    assert inst["configuration"]["statuses"]["characters_reserved_per_url"] == 23

    assert toot(masto_url, token, "a" * 500).status_code == 200
    too_long = toot(masto_url, token, "b" * 501)
    assert too_long.status_code == 422
    assert too_long.json() == {"error": "Validation failed: Text character limit of 500 exceeded"}
    url = "https://example.com/" + "c" * 600
    assert toot(masto_url, token, "d" * 476 + " " + url).status_code == 200

    admin(masto_url, "faults", {"max_characters": 100})
    inst = requests.get(f"{masto_url}/api/v2/instance", timeout=5).json()
    assert inst["configuration"]["statuses"]["max_characters"] == 100
    assert toot(masto_url, token, "e" * 101).json() == {
        "error": "Validation failed: Text character limit of 100 exceeded"
    }
    blank = toot(masto_url, token, "   ")
    assert blank.status_code == 422


def test_bad_token_scope_and_revoke(masto_url: str) -> None:
    resp = toot(masto_url, "nope", "hi")
    assert resp.status_code == 401
    assert resp.json() == {"error": "The access token is invalid"}
    assert (
        requests.post(f"{masto_url}/api/v1/statuses", data={"status": "x"}, timeout=5).status_code
        == 401
    )

    app, token = masto_login(masto_url, "carol")
    assert toot(masto_url, token, "before").status_code == 200
    revoked = requests.post(
        f"{masto_url}/oauth/revoke",
        data={"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token},
        timeout=5,
    )
    assert revoked.status_code == 200 and revoked.json() == {}
    after = toot(masto_url, token, "after")
    assert after.status_code == 401

    # a read-only app may not post
    ro = masto_app(masto_url, scopes="read")
    query = urlencode(
        {
            "response_type": "code",
            "client_id": ro["client_id"],
            "redirect_uri": REDIRECT_URI,
            "scope": "read",
        }
    )
    url = f"{masto_url}/oauth/authorize?{query}"
    params = redirect_params(
        requests.post(
            url, data={"username": "carol", "decision": "approve"}, allow_redirects=False, timeout=5
        )
    )
    read_token = requests.post(
        f"{masto_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "client_id": ro["client_id"],
            "client_secret": ro["client_secret"],
            "redirect_uri": REDIRECT_URI,
        },
        timeout=5,
    ).json()["access_token"]
    forbidden = toot(masto_url, read_token, "nope")
    assert forbidden.status_code == 403
    assert forbidden.json() == {"error": "This action is outside the authorized scopes"}


def test_admin_revoke_and_expire(masto_url: str) -> None:
    _, token = masto_login(masto_url, "dan")
    admin(masto_url, "expire-tokens", {"username": "dan"})
    assert toot(masto_url, token, "x").json() == {"error": "The access token expired"}
    _, token = masto_login(masto_url, "dan")
    admin(masto_url, "revoke", {"username": "dan"})
    assert toot(masto_url, token, "x").json() == {"error": "The access token was revoked"}


def test_deny_reused_code_and_bad_client(masto_url: str) -> None:
    app = masto_app(masto_url)
    url = masto_authorize_url(masto_url, app, state="zz")
    denied = redirect_params(
        requests.post(
            url, data={"username": "erin", "decision": "deny"}, allow_redirects=False, timeout=5
        )
    )
    assert denied["error"] == "access_denied" and denied["state"] == "zz"

    code = masto_code(masto_url, app, "erin")
    bad = requests.post(
        f"{masto_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "client_secret": "wrong",
            "redirect_uri": REDIRECT_URI,
        },
        timeout=5,
    )
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    assert masto_exchange(masto_url, app, code).status_code == 200
    reused = masto_exchange(masto_url, app, code)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"

    # an unknown client or a redirect URI the app did not register: an error page, no redirect
    other = urlencode(
        {
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": "http://evil.example/cb",
        }
    )
    for query in (
        other,
        urlencode({"response_type": "code", "client_id": "nobody", "redirect_uri": REDIRECT_URI}),
    ):
        resp = requests.get(
            f"{masto_url}/oauth/authorize?{query}", allow_redirects=False, timeout=5
        )
        assert resp.status_code == 400 and "Location" not in resp.headers


def test_rate_limit(masto_url: str) -> None:
    admin(masto_url, "faults", {"rate_limit": {"user_limit": 2, "user_window_s": 60}})
    _, token = masto_login(masto_url, "fay")
    first = toot(masto_url, token, "1")
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert toot(masto_url, token, "2").headers["X-RateLimit-Remaining"] == "0"
    third = toot(masto_url, token, "3")
    assert third.status_code == 429
    assert third.json() == {"error": "Too many requests"}
    assert third.headers["X-RateLimit-Remaining"] == "0"
    assert third.headers["X-RateLimit-Reset"].endswith("Z")


def test_two_instances_are_independent(sandbox: RunningSandbox) -> None:
    one, two = sandbox.mastodon_urls
    assert one != two
    app1, token1 = masto_login(one, "gus")
    assert toot(one, token1, "on one").status_code == 200
    assert toot(two, token1, "token of the other instance").status_code == 401
    resp = requests.get(masto_authorize_url(two, app1), timeout=5)
    assert resp.status_code == 400
    assert admin(two, "posts").json() == {"posts": []}
    assert admin(two, "users").json() == {"users": []}
    assert len(admin(one, "posts").json()["posts"]) == 1
    admin(two, "faults", {"max_characters": 1000})
    assert (
        requests.get(f"{one}/api/v2/instance", timeout=5).json()["configuration"]["statuses"][
            "max_characters"
        ]
        == 500
    )
