"""Every post link a report shows opens a page on the sandbox (not a 404), as on the platforms."""

from __future__ import annotations

import requests

from ..helpers import masto_app, toot, tweet

TEXT = 'Keep the library open <script>alert("x")</script> & late! #LibraryLate'


def _mint(base: str, body: dict[str, object]) -> dict[str, str]:
    made = requests.post(f"{base}/_sandbox/tokens", json=body, timeout=30)
    assert made.status_code == 200, made.text
    token: dict[str, str] = made.json()["tokens"][0]
    return token


def test_x_post_links_open_the_post(x_url: str) -> None:
    ann = _mint(x_url, {"users": [{"username": "ann"}]})
    made = tweet(x_url, ann["access_token"], TEXT)
    assert made.status_code == 201, made.text
    post_id = made.json()["data"]["id"]
    for path in (f"/i/web/status/{post_id}", f"/ann/status/{post_id}"):
        page = requests.get(f"{x_url}{path}", timeout=5)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "&lt;script&gt;" in page.text and "<script>alert" not in page.text
        assert "@ann" in page.text
    profile = requests.get(f"{x_url}/ann", timeout=5)
    assert profile.status_code == 200 and post_id in profile.text
    assert requests.get(f"{x_url}/i/web/status/999999", timeout=5).status_code == 404
    assert requests.get(f"{x_url}/bob/status/{post_id}", timeout=5).status_code == 404


def test_mastodon_status_url_opens_the_status(masto_url: str) -> None:
    app = masto_app(masto_url, scopes="read:accounts write:statuses")
    ann = _mint(masto_url, {"users": [{"username": "ann"}], "client_id": app["client_id"]})
    made = toot(masto_url, ann["access_token"], TEXT, key="page-1")
    assert made.status_code == 200, made.text
    page = requests.get(made.json()["url"], timeout=5)
    assert page.status_code == 200 and "&amp; late!" in page.text
    assert "<script>alert" not in page.text
    profile = requests.get(made.json()["account"]["url"], timeout=5)
    assert profile.status_code == 200 and made.json()["id"] in profile.text
    assert requests.get(f"{masto_url}/@ann/123456789", timeout=5).status_code == 404
