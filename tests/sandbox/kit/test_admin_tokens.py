"""POST /_sandbox/tokens: many sign-ins at once, as the token endpoint would have answered them."""

from __future__ import annotations

import time

import requests

from amplifier.sandbox import RunningSandbox, run_in_thread

from ..helpers import X_CLIENT_ID, X_CLIENT_SECRET, masto_app, toot, tweet


def _mint(base: str, body: dict[str, object]) -> requests.Response:
    return requests.post(f"{base}/_sandbox/tokens", json=body, timeout=30)


def test_x_tokens_work_like_a_consent(x_url: str) -> None:
    made = _mint(x_url, {"users": [{"username": "ann", "followers": 12}, {"username": "bob"}]})
    assert made.status_code == 200, made.text
    ann, bob = made.json()["tokens"]
    assert ann["username"] == "ann" and bob["username"] == "bob"
    assert ann["token_type"] == "bearer" and ann["expires_in"] == 7200
    assert ann["scope"] == "media.write offline.access tweet.read tweet.write users.read"
    assert ann["refresh_token"] and ann["access_token"] != bob["access_token"]
    users = {
        u["username"]: u for u in requests.get(f"{x_url}/_sandbox/users", timeout=5).json()["users"]
    }
    assert users["ann"]["followers"] == 12 and users["ann"]["id"] == ann["user_id"]

    assert tweet(x_url, ann["access_token"], "hello").status_code == 201
    me = requests.get(
        f"{x_url}/2/users/me",
        headers={"Authorization": f"Bearer {bob['access_token']}"},
        timeout=5,
    )
    assert me.json()["data"]["username"] == "bob"
    refreshed = requests.post(
        f"{x_url}/2/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": ann["refresh_token"]},
        auth=(X_CLIENT_ID, X_CLIENT_SECRET),
        timeout=5,
    )
    assert refreshed.status_code == 200 and refreshed.json()["expires_in"] == 7200

    again = _mint(x_url, {"users": [{"username": "ann"}]}).json()["tokens"][0]
    assert again["user_id"] == ann["user_id"] and again["access_token"] != ann["access_token"]
    assert tweet(x_url, again["access_token"], "hello").status_code == 403  # same account
    narrow = _mint(x_url, {"users": [{"username": "cy"}], "scope": "tweet.read users.read"})
    assert "refresh_token" not in narrow.json()["tokens"][0]


def test_mastodon_tokens_belong_to_the_registered_app(masto_url: str) -> None:
    app = masto_app(masto_url, scopes="read:accounts write:statuses")
    made = _mint(masto_url, {"users": [{"username": "ann"}], "client_id": app["client_id"]})
    assert made.status_code == 200, made.text
    ann = made.json()["tokens"][0]
    assert ann["token_type"] == "Bearer" and "expires_in" not in ann
    assert "refresh_token" not in ann and ann["scope"] == "read:accounts write:statuses"
    assert toot(masto_url, ann["access_token"], "hello", key="k1").status_code == 200
    assert _mint(masto_url, {"users": [{"username": "cy"}], "client_id": "nope"}).status_code == 404
    wider = _mint(masto_url, {"users": [{"username": "cy"}], "scope": "admin:write"})
    assert wider.status_code == 400


def test_mastodon_client_defaults_to_the_only_app() -> None:
    with run_in_thread(mastodon_ports=(0,)) as fresh:
        base = fresh.mastodon_urls[0]
        assert _mint(base, {"users": [{"username": "ann"}]}).status_code == 400  # no app yet
        masto_app(base)
        made = _mint(base, {"users": [{"username": "ann"}]})
        assert made.status_code == 200 and made.json()["tokens"][0]["scope"] == "read write"
        masto_app(base)
        assert _mint(base, {"users": [{"username": "ann"}]}).status_code == 400  # which one?


def test_a_bad_body_changes_nothing(sandbox: RunningSandbox) -> None:
    x_url = sandbox.x_url
    for body in (
        {},
        {"users": []},
        {"users": [{"username": "ok"}, {"username": "not ok"}]},
        {"users": [{"username": "ok", "followers": -1}]},
        {"users": [{"username": "ok", "followers": True}]},
        {"users": ["ok"]},
        {"users": [{"username": "ok"}], "client_id": "someone-else"},
        {"users": [{"username": "ok"}], "scope": "tweet.fly"},
    ):
        assert _mint(x_url, body).status_code == 400, body
    assert requests.get(f"{x_url}/_sandbox/users", timeout=5).json() == {"users": []}


def test_five_thousand_users_in_one_quick_call(x_url: str) -> None:
    users = [{"username": f"load{i:05d}", "followers": i} for i in range(5000)]
    started = time.monotonic()
    made = _mint(x_url, {"users": users})
    elapsed = time.monotonic() - started
    assert made.status_code == 200
    tokens = made.json()["tokens"]
    assert [t["username"] for t in tokens] == [u["username"] for u in users]
    assert len({t["access_token"] for t in tokens}) == 5000
    assert elapsed < 5, elapsed
