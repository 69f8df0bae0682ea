"""The X API v2 emulator over HTTP: OAuth 2.0 with PKCE, users/me, posting, limits."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import requests

from ..helpers import (
    REDIRECT_URI,
    X_CLIENT_ID,
    X_CLIENT_SECRET,
    pkce_pair,
    redirect_params,
    tweet,
    x_authorize,
    x_authorize_url,
    x_exchange,
    x_login,
)

UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}


def admin(base: str, path: str, body: dict[str, object] | None = None) -> requests.Response:
    url = f"{base}/_sandbox/{path}"
    if body is None:
        return requests.get(url, timeout=5)
    return requests.post(url, json=body, timeout=5)


def test_authorize_page_lists_users_and_posts_back_to_itself(x_url: str) -> None:
    admin(x_url, "users", {"username": "alice", "followers": 12})
    _, challenge = pkce_pair()
    url = x_authorize_url(x_url, challenge, "s1")
    page = requests.get(url, timeout=5)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert "wants to post on your behalf" in html
    assert "name='username'" in html and "name='followers'" in html
    assert "value='approve'" in html and "value='deny'" in html
    assert "alice" in html
    assert "action='/i/oauth2/authorize?" in html


def test_full_pkce_flow_users_me_and_post(x_url: str) -> None:
    auth = x_authorize(x_url, "alice", followers=321)
    resp = x_exchange(x_url, auth)
    assert resp.status_code == 200
    tok = resp.json()
    assert tok["token_type"] == "bearer"
    assert tok["expires_in"] == 7200
    assert set(tok["scope"].split()) == {
        "tweet.read",
        "tweet.write",
        "users.read",
        "offline.access",
    }
    assert tok["access_token"] and tok["refresh_token"]

    bearer = {"Authorization": f"Bearer {tok['access_token']}"}
    me = requests.get(
        f"{x_url}/2/users/me", params={"user.fields": "public_metrics"}, headers=bearer, timeout=5
    )
    assert me.status_code == 200
    data = me.json()["data"]
    assert data["username"] == "alice"
    assert data["id"].isdigit()
    assert data["public_metrics"]["followers_count"] == 321
    assert "x-rate-limit-remaining" in me.headers

    posted = tweet(x_url, tok["access_token"], "Hello from the sandbox")
    assert posted.status_code == 201
    body = posted.json()["data"]
    assert body["text"] == "Hello from the sandbox"
    assert body["id"].isdigit() and int(body["id"]) > 10**17
    assert body["edit_history_tweet_ids"] == [body["id"]]
    assert posted.headers["x-rate-limit-limit"] == "100"
    assert posted.headers["x-rate-limit-remaining"] == "99"
    assert int(posted.headers["x-rate-limit-reset"]) > time.time()
    assert posted.headers["x-app-limit-24hour-limit"] == "10000"

    posts = admin(x_url, "posts").json()["posts"]
    assert [(p["id"], p["username"], p["text"]) for p in posts] == [
        (body["id"], "alice", "Hello from the sandbox")
    ]
    assert posts[0]["idempotency_key"] is None

    # looking the post up: by id and in the user's timeline
    one = requests.get(f"{x_url}/2/tweets/{body['id']}", headers=bearer, timeout=5).json()
    assert one["data"]["id"] == body["id"]
    timeline = requests.get(
        f"{x_url}/2/users/{data['id']}/tweets",
        params={"tweet.fields": "created_at"},
        headers=bearer,
        timeout=5,
    ).json()
    assert timeline["meta"]["result_count"] == 1
    assert timeline["data"][0]["id"] == body["id"] and "created_at" in timeline["data"][0]
    missing = requests.get(f"{x_url}/2/tweets/123", headers=bearer, timeout=5).json()
    assert missing["errors"][0]["title"] == "Not Found Error"


def test_existing_user_keeps_followers(x_url: str) -> None:
    admin(x_url, "users", {"username": "bob", "followers": 77})
    tok = x_login(x_url, "bob", followers=5000)
    me = requests.get(
        f"{x_url}/2/users/me",
        params={"user.fields": "public_metrics"},
        headers={"Authorization": f"Bearer {tok['access_token']}"},
        timeout=5,
    ).json()
    assert me["data"]["public_metrics"]["followers_count"] == 77


def test_public_client_sends_client_id_in_body(x_url: str) -> None:
    auth = x_authorize(x_url, "carol")
    resp = requests.post(
        f"{x_url}/2/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": auth.code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": auth.verifier,
            "client_id": X_CLIENT_ID,
        },
        timeout=5,
    )
    assert resp.status_code == 200, resp.text


def test_duplicate_too_long_and_empty(x_url: str) -> None:
    token = x_login(x_url, "dave")["access_token"]
    assert tweet(x_url, token, "same words").status_code == 201
    dup = tweet(x_url, token, "same words")
    assert dup.status_code == 403
    assert dup.json() == {
        "title": "Forbidden",
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank",
        "status": 403,
    }
    # another user may post the same words
    other = x_login(x_url, "erin")["access_token"]
    assert tweet(x_url, other, "same words").status_code == 201

    too_long = tweet(x_url, token, "x" * 281)
    assert too_long.status_code == 403
    assert too_long.json()["status"] == 403 and "too long" in too_long.json()["detail"]
    assert tweet(x_url, token, "y" * 280).status_code == 201
    # a long URL counts 23: 256 + 1 + 23 = 280
    url = "https://example.com/" + "a" * 200
    assert tweet(x_url, token, "z" * 256 + " " + url).status_code == 201
    # CJK weighs 2: 140 fit, 141 do not
    assert tweet(x_url, token, "漢" * 140).status_code == 201
    assert tweet(x_url, token, "字" * 141).status_code == 403

    empty = tweet(x_url, token, "")
    assert empty.status_code == 400
    assert empty.json()["type"] == "https://api.twitter.com/2/problems/invalid-request"
    not_json = requests.post(
        f"{x_url}/2/tweets",
        data={"text": "form encoded"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert not_json.status_code == 400


def test_401_on_missing_bad_expired_and_revoked_tokens(x_url: str) -> None:
    no_token = requests.post(f"{x_url}/2/tweets", json={"text": "hi"}, timeout=5)
    assert no_token.status_code == 401
    assert no_token.json() == UNAUTHORIZED
    assert tweet(x_url, "not-a-token", "hi").json() == UNAUTHORIZED

    tok = x_login(x_url, "frank")
    assert admin(x_url, "expire-tokens", {"username": "frank"}).json() == {"expired": 1}
    assert tweet(x_url, tok["access_token"], "hi").status_code == 401

    tok = x_login(x_url, "grace")
    admin(x_url, "revoke", {"username": "grace"})
    assert tweet(x_url, tok["access_token"], "hi").status_code == 401
    refreshed = requests.post(
        f"{x_url}/2/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]},
        auth=(X_CLIENT_ID, X_CLIENT_SECRET),
        timeout=5,
    )
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"


def test_refresh_after_expiry_and_refresh_token_is_single_use(x_url: str) -> None:
    tok = x_login(x_url, "heidi")
    admin(x_url, "expire-tokens", {"username": "heidi"})
    assert tweet(x_url, tok["access_token"], "before").status_code == 401

    def refresh(rt: str) -> requests.Response:
        return requests.post(
            f"{x_url}/2/oauth2/token",
            data={"grant_type": "refresh_token", "refresh_token": rt, "client_id": X_CLIENT_ID},
            timeout=5,
        )

    first = refresh(tok["refresh_token"])
    assert first.status_code == 200
    new = first.json()
    assert new["access_token"] != tok["access_token"]
    assert new["refresh_token"] != tok["refresh_token"]
    assert new["expires_in"] == 7200
    assert tweet(x_url, new["access_token"], "after").status_code == 201

    again = refresh(tok["refresh_token"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert refresh(new["refresh_token"]).status_code == 200


def test_no_refresh_token_without_offline_access(x_url: str) -> None:
    auth = x_authorize(x_url, "ivan", scope="tweet.read tweet.write users.read")
    tok = x_exchange(x_url, auth).json()
    assert "refresh_token" not in tok


def test_code_reuse_wrong_verifier_and_bad_client(x_url: str) -> None:
    auth = x_authorize(x_url, "judy")
    wrong = requests.post(
        f"{x_url}/2/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": auth.code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": "not-the-verifier",
        },
        auth=(X_CLIENT_ID, X_CLIENT_SECRET),
        timeout=5,
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"

    bad_client = requests.post(
        f"{x_url}/2/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": auth.code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": auth.verifier,
        },
        auth=(X_CLIENT_ID, "wrong-secret"),
        timeout=5,
    )
    assert bad_client.status_code == 401 and bad_client.json()["error"] == "invalid_client"

    assert x_exchange(x_url, auth).status_code == 200
    reused = x_exchange(x_url, auth)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert reused.json()["error_description"]


def test_deny_redirects_with_access_denied(x_url: str) -> None:
    _, challenge = pkce_pair()
    url = x_authorize_url(x_url, challenge, "deny-state")
    resp = requests.post(
        url, data={"username": "kim", "decision": "deny"}, allow_redirects=False, timeout=5
    )
    params = redirect_params(resp)
    assert params["error"] == "access_denied"
    assert params["state"] == "deny-state"
    assert "error_description" in params
    assert admin(x_url, "users").json()["users"] == []


def test_bad_authorize_requests_do_not_redirect(x_url: str) -> None:
    _, challenge = pkce_pair()
    base = {
        "response_type": "code",
        "client_id": X_CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "tweet.read",
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    for change in (
        {"client_id": "someone-else"},
        {"redirect_uri": "javascript:alert(1)"},
        {"code_challenge": ""},
    ):
        query = urlencode({**base, **change})
        for method in ("get", "post"):
            resp = requests.request(
                method,
                f"{x_url}/i/oauth2/authorize?{query}",
                data={"username": "x", "decision": "approve"},
                allow_redirects=False,
                timeout=5,
            )
            assert resp.status_code == 400, change
            assert "Location" not in resp.headers
            assert resp.headers["Content-Type"].startswith("text/html")


def test_rate_limit_429_with_headers(x_url: str) -> None:
    admin(x_url, "faults", {"rate_limit": {"user_limit": 2, "user_window_s": 60}})
    token = x_login(x_url, "leo")["access_token"]
    r1, r2 = tweet(x_url, token, "one"), tweet(x_url, token, "two")
    assert (r1.status_code, r2.status_code) == (201, 201)
    assert r2.headers["x-rate-limit-remaining"] == "0"
    r3 = tweet(x_url, token, "three")
    assert r3.status_code == 429
    assert r3.json() == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    assert r3.headers["x-rate-limit-limit"] == "2"
    assert r3.headers["x-rate-limit-remaining"] == "0"
    reset = int(r3.headers["x-rate-limit-reset"])
    assert time.time() < reset <= time.time() + 61
    # another user has a window of their own; the app-wide window is shared
    admin(x_url, "faults", {"rate_limit": {"app_limit": 3}})
    other = x_login(x_url, "mia")["access_token"]
    assert tweet(x_url, other, "four").status_code == 201
    blocked = tweet(x_url, other, "five")
    assert blocked.status_code == 429
    assert blocked.headers["x-app-limit-24hour-remaining"] == "0"
    assert len(admin(x_url, "posts").json()["posts"]) == 3


def test_rate_window_resets(x_url: str) -> None:
    admin(x_url, "faults", {"rate_limit": {"user_limit": 1, "user_window_s": 0.3}})
    token = x_login(x_url, "nina")["access_token"]
    assert tweet(x_url, token, "a").status_code == 201
    assert tweet(x_url, token, "b").status_code == 429
    time.sleep(0.35)
    assert tweet(x_url, token, "c").status_code == 201
