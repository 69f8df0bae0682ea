"""Every signed or token-bearing value the app takes from a URL, a form or a cookie, malformed.

A manage link whose signature held a non-ASCII character answered 500 (`hmac.compare_digest`
raises TypeError on non-ASCII str). Whatever arrives in place of a secret — non-ASCII, a NUL,
overlong, empty, the right value in the wrong case — is simply a wrong secret: the answer is the
one for a wrong value (404 for a manage link, 401 for an API token, 403 for a CSRF token, the
login page for a session cookie, "not valid" for an OAuth state), never a 500. Sent over real
HTTP to the app under uvicorn, on SQLite and on PostgreSQL (which refuses NUL in a query).
"""

from __future__ import annotations

import re

import requests

from amplifier.models import Campaign
from amplifier.runtime import Runtime
from amplifier.web.pages import manage_path
from tests import factories
from tests.conftest import LiveWeb
from tests.factories import add_pledge

# as they appear in a URL path or query (percent-encoded)
BAD_IN_URLS = ["%C3%A9", "%C3%A9" * 32, "%00", "a%00b", "%ED%A0%80", "%FF", "0" * 33,
               "0" * 5000, "%20", "..%2F..", "%E2%80%AE"]  # fmt: skip
# as a form or header would carry them
# (a lone surrogate cannot travel in UTF-8: tests/web/test_secret_shapes.py gives it directly)
BAD_VALUES = ["é", "é" * 32, "\x00", "a\x00b", "\ufffd", "0" * 5000, " ", "\u202e", ""]


def _pledge(rt: Runtime) -> tuple[Campaign, int]:
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(session, owner.owner.id)
        return campaign, add_pledge(session, campaign)


def _csrf(browser: requests.Session, url: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', browser.get(url, timeout=10).text)
    assert token is not None
    return token[1]


def _no_500(answer: requests.Response, what: object) -> None:
    assert answer.status_code < 500, (what, answer.status_code, answer.text[:300])


def test_a_malformed_manage_link_is_a_404_on_every_path(web: LiveWeb, runtime: Runtime) -> None:
    campaign, pledge_id = _pledge(runtime)
    good = manage_path(runtime, pledge_id)
    browser = requests.Session()
    token = _csrf(browser, f"{web.url}/c/{campaign.slug}")
    signature = good.rsplit("/", 1)[1]
    for bad in [*BAD_IN_URLS, signature.upper(), signature[:-1], signature + "0"]:
        base = f"{web.url}/p/{pledge_id}/{bad}"
        paths = [("GET", ""), ("GET", "/data"), ("POST", ""), ("POST", "/reconsent"),
                 ("POST", "/data/delete")]  # fmt: skip
        for method, url in ((m, base + suffix) for m, suffix in paths):
            answer = browser.request(method, url, data={"csrf": token}, timeout=30)
            _no_500(answer, (method, url))
            assert answer.status_code == 404, (method, url, answer.status_code)
            assert "This link is not valid" in answer.text or "Not found" in answer.text
    assert browser.get(f"{web.url}{good}", timeout=10).status_code == 200  # the real one works


def test_a_malformed_csrf_token_is_a_refused_form(web: LiveWeb, runtime: Runtime) -> None:
    campaign, pledge_id = _pledge(runtime)
    browser = requests.Session()
    _csrf(browser, f"{web.url}/c/{campaign.slug}")  # the cookie
    for bad in BAD_VALUES:
        manage = f"{web.url}{manage_path(runtime, pledge_id)}"
        for url in (f"{web.url}/c/{campaign.slug}/pledge", manage, f"{web.url}/login"):
            answer = browser.post(url, data={"csrf": bad, "platform": "x"}, timeout=30)
            _no_500(answer, (url, bad))
            assert answer.status_code == 403 and "This form has expired" in answer.text
    assert browser.get(f"{web.url}{manage_path(runtime, pledge_id)}").status_code == 200


def test_a_malformed_oauth_state_is_a_sign_in_link_not_valid(
    web: LiveWeb, runtime: Runtime
) -> None:
    campaign, _ = _pledge(runtime)
    browser = requests.Session()
    token = _csrf(browser, f"{web.url}/c/{campaign.slug}")
    for bad in BAD_IN_URLS:
        answer = browser.get(f"{web.url}/oauth/x/callback?state={bad}&code=abc", timeout=30)
        _no_500(answer, bad)
        assert answer.status_code == 400 and "sign-in" in answer.text, (bad, answer.text[:300])
    for bad in BAD_VALUES:
        for fields in ({"state": bad, "csrf": token}, {"state": bad, "csrf": "wrong"}):
            answer = browser.post(f"{web.url}/pledge/confirm", data=fields, timeout=30)
            _no_500(answer, fields)
            assert answer.status_code in (400, 403, 422), (fields, answer.status_code)


def test_a_malformed_session_cookie_is_no_login(web: LiveWeb) -> None:
    for bad in [b"\xe9", b"\xe9" * 40, b"%00", b"a" * 4000, b'"x"', b"", b"\xe2\x80\xae"]:
        answer = requests.get(
            f"{web.url}/owner",
            headers={"Cookie": b"amp_session=" + bad},
            allow_redirects=False,
            timeout=30,
        )
        _no_500(answer, bad)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_a_malformed_api_token_is_a_401_with_a_message(web: LiveWeb) -> None:
    for bad in [b"\xe9", b"amp_\xe9" * 10, b"amp_" + b"a" * 5000, b"%00", b"", b"amp_\xff",
                b"\xe2\x80\xae"]:  # fmt: skip
        answer = requests.get(
            f"{web.url}/api/campaigns", headers={"Authorization": b"Bearer " + bad}, timeout=30
        )
        _no_500(answer, bad)
        assert answer.status_code == 401, (bad, answer.status_code)
        assert "token" in answer.json()["message"]
