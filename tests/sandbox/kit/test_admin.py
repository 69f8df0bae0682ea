"""The /_sandbox admin API, fault injection and latency."""

from __future__ import annotations

import time

import pytest
import requests

from amplifier.sandbox import RunningSandbox

from ..helpers import masto_login, toot, tweet, x_login


def test_users_create_list_and_update(sandbox: RunningSandbox) -> None:
    for base in (sandbox.x_url, *sandbox.mastodon_urls):
        made = requests.post(
            f"{base}/_sandbox/users", json={"username": "zoe", "followers": 9}, timeout=5
        )
        assert made.status_code == 200
        user = made.json()
        assert user["username"] == "zoe" and user["followers"] == 9 and user["id"].isdigit()
        again = requests.post(
            f"{base}/_sandbox/users", json={"username": "zoe", "followers": 10}, timeout=5
        )
        assert again.json()["id"] == user["id"] and again.json()["followers"] == 10
        users = requests.get(f"{base}/_sandbox/users", timeout=5).json()["users"]
        assert [u["username"] for u in users] == ["zoe"]
        auto = requests.post(f"{base}/_sandbox/users", json={"username": "yan"}, timeout=5).json()
        assert 10 <= auto["followers"] <= 5000
        bad = requests.post(f"{base}/_sandbox/users", json={"username": "no spaces"}, timeout=5)
        assert bad.status_code == 400
        missing = requests.post(f"{base}/_sandbox/revoke", json={"username": "ghost"}, timeout=5)
        assert missing.status_code == 404


def test_faults_get_set_validate_and_reset(x_url: str) -> None:
    faults = requests.get(f"{x_url}/_sandbox/faults", timeout=5).json()
    assert faults["latency_ms"] == 0 and faults["error_status"] == 503
    assert faults["rate_limit"] == {
        "user_limit": 100,
        "user_window_s": 900,
        "app_limit": 10000,
        "app_window_s": 86400,
    }
    changed = requests.post(
        f"{x_url}/_sandbox/faults",
        json={"error_rate": 0.5, "rate_limit": {"user_limit": 5}},
        timeout=5,
    ).json()
    assert changed["error_rate"] == 0.5 and changed["rate_limit"]["user_limit"] == 5
    assert changed["rate_limit"]["app_limit"] == 10000
    for bad in ({"nope": 1}, {"error_rate": 2}, {"latency_ms": "slow"}, {"rate_limit": {"x": 1}}):
        assert requests.post(f"{x_url}/_sandbox/faults", json=bad, timeout=5).status_code == 400
    assert requests.post(f"{x_url}/_sandbox/reset", timeout=5).json() == {"reset": True}
    assert requests.get(f"{x_url}/_sandbox/faults", timeout=5).json()["error_rate"] == 0.0


def test_fail_next_and_error_rate(sandbox: RunningSandbox) -> None:
    x_token = x_login(sandbox.x_url, "amy")["access_token"]
    requests.post(
        f"{sandbox.x_url}/_sandbox/faults", json={"fail_next": 2, "error_status": 500}, timeout=5
    )
    first = tweet(sandbox.x_url, x_token, "a")
    assert first.status_code == 500 and first.json()["status"] == 500
    assert tweet(sandbox.x_url, x_token, "b").status_code == 500
    assert tweet(sandbox.x_url, x_token, "c").status_code == 201
    assert [
        p["text"]
        for p in requests.get(f"{sandbox.x_url}/_sandbox/posts", timeout=5).json()["posts"]
    ] == ["c"]

    base = sandbox.mastodon_urls[0]
    _, token = masto_login(base, "amy")
    requests.post(f"{base}/_sandbox/faults", json={"error_rate": 1.0}, timeout=5)
    failed = toot(base, token, "x")
    assert failed.status_code == 503 and "error" in failed.json()
    # by default only posting fails; scope "all" extends it to every API call
    assert requests.get(f"{base}/api/v2/instance", timeout=5).status_code == 200
    requests.post(f"{base}/_sandbox/faults", json={"scope": "all"}, timeout=5)
    assert (
        requests.get(
            f"{base}/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        ).status_code
        == 503
    )


def test_timeout_after_accept_stores_the_post(sandbox: RunningSandbox) -> None:
    base = sandbox.mastodon_urls[0]
    _, token = masto_login(base, "bea")
    requests.post(f"{base}/_sandbox/faults", json={"timeout_after_accept_next": 1}, timeout=5)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        toot(base, token, "did it post?", key="idem-1", timeout=0.5)
    assert time.monotonic() - started < 5
    posts = requests.get(f"{base}/_sandbox/posts", timeout=5).json()["posts"]
    assert [p["text"] for p in posts] == ["did it post?"]
    # settling it with the same Idempotency-Key returns the stored status
    retry = toot(base, token, "did it post?", key="idem-1")
    assert retry.status_code == 200 and retry.json()["id"] == posts[0]["id"]

    x_token = x_login(sandbox.x_url, "bea")["access_token"]
    requests.post(
        f"{sandbox.x_url}/_sandbox/faults", json={"timeout_after_accept_next": 1}, timeout=5
    )
    with pytest.raises(requests.exceptions.ReadTimeout):
        tweet(sandbox.x_url, x_token, "unknown outcome", timeout=0.5)
    assert tweet(sandbox.x_url, x_token, "unknown outcome").status_code == 403  # it was stored


def test_failure_after_accept_stores_the_post_and_answers_the_error(
    sandbox: RunningSandbox,
) -> None:
    """X has answered 503 to a post it had created (issue 7): the sandbox can do the same."""
    x_token = x_login(sandbox.x_url, "cid")["access_token"]
    body = {"fail_after_accept_next": 1, "error_status": 503, "duplicate_window_s": 0}
    requests.post(f"{sandbox.x_url}/_sandbox/faults", json=body, timeout=5)
    assert tweet(sandbox.x_url, x_token, "stored anyway").status_code == 503
    posts = requests.get(f"{sandbox.x_url}/_sandbox/posts", timeout=5).json()["posts"]
    assert [p["text"] for p in posts] == ["stored anyway"]
    assert tweet(sandbox.x_url, x_token, "stored anyway").status_code == 201  # no refusal now

    base = sandbox.mastodon_urls[0]
    _, token = masto_login(base, "cid")
    requests.post(f"{base}/_sandbox/faults", json=body, timeout=5)
    assert toot(base, token, "stored too", key="idem-2").status_code == 503
    retry = toot(base, token, "stored too", key="idem-2")
    masto_posts = requests.get(f"{base}/_sandbox/posts", timeout=5).json()["posts"]
    assert retry.status_code == 200 and [p["id"] for p in masto_posts] == [retry.json()["id"]]


def test_latency(sandbox: RunningSandbox) -> None:
    base = sandbox.mastodon_urls[0]
    requests.post(f"{base}/_sandbox/faults", json={"latency_ms": 200}, timeout=5)
    started = time.monotonic()
    assert requests.get(f"{base}/api/v2/instance", timeout=5).status_code == 200
    assert time.monotonic() - started >= 0.2


def test_reset_clears_everything(sandbox: RunningSandbox) -> None:
    tok = x_login(sandbox.x_url, "cy")["access_token"]
    assert tweet(sandbox.x_url, tok, "x").status_code == 201
    requests.post(f"{sandbox.x_url}/_sandbox/reset", timeout=5)
    assert requests.get(f"{sandbox.x_url}/_sandbox/posts", timeout=5).json() == {"posts": []}
    assert requests.get(f"{sandbox.x_url}/_sandbox/users", timeout=5).json() == {"users": []}
    assert tweet(sandbox.x_url, tok, "y").status_code == 401
