"""An owner's whole journey over real HTTP (uvicorn on a port, `requests` as the browser):
sign up, schedule a campaign on the web, make an API token, use it, revoke it, log out."""

from __future__ import annotations

import re
from datetime import timedelta

import requests

from amplifier.timeutil import utcnow
from amplifier.web.deps import SESSION_COOKIE
from tests.conftest import LiveWeb
from tests.owners.conftest import PASSWORD, csrf_of


def _post(browser: requests.Session, web: LiveWeb, page: str, action: str, **fields: object) -> (
    requests.Response
):  # fmt: skip
    token = csrf_of(browser.get(f"{web.url}{page}", timeout=10).text)
    return browser.post(
        f"{web.url}{action}", data={**fields, "csrf": token}, allow_redirects=False, timeout=10
    )


def test_an_owner_signs_up_schedules_and_manages_tokens_over_http(web: LiveWeb) -> None:
    browser = requests.Session()
    signed_up = _post(browser, web, "/signup", "/signup", email="ada@example.org", name="Ada",
                      password=PASSWORD, password_again=PASSWORD)  # fmt: skip
    assert signed_up.status_code == 303
    raw_cookie = signed_up.headers["set-cookie"]
    assert "HttpOnly" in raw_cookie and "SameSite=lax" in raw_cookie
    now = utcnow()
    created = _post(
        browser, web, "/owner/campaigns/new", "/owner/campaigns/new",
        title="Over the wire", story="A story.", message_text="Join us #Wire", link="",
        goal="3", timezone="UTC", platforms=["mastodon"],
        pledge_deadline=(now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        release_at=(now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    assert created.status_code == 303, created.text[:2000]
    page = browser.get(f"{web.url}{created.headers['location']}", timeout=10)
    assert "Over the wire" in page.text and f"{web.url}/c/over-the-wire-" in page.text
    made = _post(browser, web, "/account", "/account/tokens", name="script")
    token = re.search(r'<code id="new-token-value">(amp_[^<]+)</code>', made.text)
    assert token is not None
    auth = {"Authorization": f"Bearer {token.group(1)}"}
    listed = requests.get(f"{web.url}/api/campaigns", headers=auth, timeout=10).json()
    assert [c["title"] for c in listed] == ["Over the wire"]
    tokens = requests.get(f"{web.url}/api/tokens", headers=auth, timeout=10).json()
    revoke = requests.post(f"{web.url}/api/tokens/{tokens[0]['id']}/revoke", headers=auth,
                           timeout=10)  # fmt: skip
    assert revoke.status_code == 200
    assert requests.get(f"{web.url}/api/campaigns", headers=auth, timeout=10).status_code == 401
    out = _post(browser, web, "/owner", "/logout")
    assert out.status_code == 303 and SESSION_COOKIE not in browser.cookies
    after = browser.get(f"{web.url}/owner", allow_redirects=False, timeout=10)
    assert after.status_code == 303 and after.headers["location"] == "/login?next=%2Fowner"
