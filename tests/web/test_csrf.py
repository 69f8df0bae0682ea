"""Every HTML form is protected against cross-site request forgery.

A form is accepted only with the token derived (HMAC, the app's signing key) from the secret in
this browser's HttpOnly, SameSite=Lax cookie; otherwise a 403 page says to reload and try again,
and nothing is recorded. The owner API (Bearer tokens, no cookies) needs no token.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from amplifier.models import Campaign, OAuthAttempt, Pledge
from amplifier.runtime import Runtime
from amplifier.web.pages import manage_path
from amplifier.web.security.csrf import COOKIE, SECURE_COOKIE, token_for
from tests import factories
from tests.factories import add_pledge
from tests.web.conftest import ClientFactory, api_routes

TEMPLATES = Path(__file__).parents[2] / "amplifier" / "web" / "templates"
_TOKEN = re.compile(r'<input type="hidden" name="csrf" value="([^"]+)">')


def _token(html: str) -> str:
    match = _TOKEN.search(html)
    assert match is not None, "the page's form carries no csrf field"
    return match.group(1)


def _refused(answer: object) -> None:
    text = answer.text  # type: ignore[attr-defined]
    assert answer.status_code == 403, text[:300]  # type: ignore[attr-defined]
    assert "<h1>This form has expired</h1>" in text
    assert "Reload the page and try again" in text and "nothing was recorded" in text


def test_campaign_page_sets_the_cookie_and_its_forms_carry_the_derived_token(
    runtime: Runtime, client: TestClient, campaign: Campaign
) -> None:
    page = client.get(f"/c/{campaign.slug}")
    assert page.status_code == 200
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    secret = client.cookies[COOKIE]
    tokens = set(_TOKEN.findall(page.text))
    assert tokens == {token_for(runtime.settings.signing_secret(), secret)}
    assert len(re.findall(r'<form method="post"', page.text)) == 2  # X and Mastodon
    assert secret not in page.text  # the page shows the token, never the secret
    again = client.get(f"/c/{campaign.slug}")  # a browser that has the cookie keeps it
    assert "set-cookie" not in again.headers and _token(again.text) in tokens


def test_https_deployments_use_a_host_only_secure_cookie(
    make_client: ClientFactory, campaign: Campaign
) -> None:
    client = make_client(public_url="https://amplifier.example")
    page = client.get(f"/c/{campaign.slug}")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{SECURE_COOKIE}=") and "Secure" in cookie and "Path=/" in cookie


def test_pledge_start_without_a_valid_token_is_refused_and_records_nothing(
    runtime: Runtime, client: TestClient, campaign: Campaign
) -> None:
    url = f"/c/{campaign.slug}/pledge"
    token = _token(client.get(f"/c/{campaign.slug}").text)
    _refused(client.post(url, data={"platform": "x"}))  # no token
    _refused(client.post(url, data={"platform": "x", "csrf": "forged"}))
    other = token_for(runtime.settings.signing_secret(), "another-browsers-secret-0123456789")
    _refused(client.post(url, data={"platform": "x", "csrf": other}))
    wrong_key = token_for(b"not the app's key", client.cookies[COOKIE])
    _refused(client.post(url, data={"platform": "x", "csrf": wrong_key}))
    # the right token from a browser without the cookie (another site's form) is refused too
    stranger = TestClient(client.app, raise_server_exceptions=False)
    _refused(stranger.post(url, data={"platform": "x", "csrf": token}))
    refused = client.post(url, data={"platform": "x"})
    assert f'href="/c/{campaign.slug}"' in refused.text  # back to the form's page
    with runtime.db.session() as session:
        assert session.exec(select(OAuthAttempt)).all() == []
    started = client.post(url, data={"platform": "x", "csrf": token}, follow_redirects=False)
    assert started.status_code == 303
    with runtime.db.session() as session:
        assert len(session.exec(select(OAuthAttempt)).all()) == 1


def test_a_multipart_form_is_checked_the_same_way(client: TestClient, campaign: Campaign) -> None:
    url = f"/c/{campaign.slug}/pledge"
    token = _token(client.get(f"/c/{campaign.slug}").text)
    _refused(client.post(url, files={"platform": (None, "x")}))
    started = client.post(
        url, files={"platform": (None, "x"), "csrf": (None, token)}, follow_redirects=False
    )
    assert started.status_code == 303


def test_consent_without_a_valid_token_records_no_pledge(
    runtime: Runtime, client: TestClient, campaign: Campaign
) -> None:
    token = _token(client.get(f"/c/{campaign.slug}").text)
    start = client.post(
        f"/c/{campaign.slug}/pledge",
        data={"platform": "x", "csrf": token},
        follow_redirects=False,
    )
    authorize = start.headers["location"]
    import requests  # the sandbox's consent screen is a real HTTP server

    answer = requests.post(
        authorize,
        data={"username": "quinn", "followers": "5", "decision": "approve"},
        allow_redirects=False,
        timeout=10,
    )
    callback = answer.headers["location"]
    consent = client.get(callback.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert consent.status_code == 200 and "Confirm your pledge" in consent.text
    state = re.search(r'name="state" value="([^"]+)"', consent.text)
    assert state is not None
    refused = client.post("/pledge/confirm", data={"state": state.group(1)})
    _refused(refused)
    assert f'href="/c/{campaign.slug}"' in refused.text  # the campaign, found from the state
    with runtime.db.session() as session:
        assert session.exec(select(Pledge)).all() == []
    shown = dict(re.findall(r'name="(version|message_digest)" value="([^"]+)"', consent.text))
    done = client.post(
        "/pledge/confirm", data={"state": state.group(1), "csrf": _token(consent.text), **shown}
    )
    assert done.status_code == 200 and "Thank you" in done.text


def test_withdrawal_without_a_valid_token_keeps_the_pledge(
    runtime: Runtime, client: TestClient, campaign: Campaign
) -> None:
    with runtime.db.session() as session:
        pledge_id = add_pledge(session, campaign)
    manage = manage_path(runtime, pledge_id)
    page = client.get(manage)
    assert page.status_code == 200 and "set-cookie" in page.headers  # a new device works
    token = _token(page.text)
    refused = client.post(manage, data={"confirm": "yes"})
    _refused(refused)
    assert f'href="{manage}"' in refused.text  # back to the pledge's page
    _refused(client.post(manage, data={"confirm": "yes", "csrf": token[:-2] + "xx"}))
    with runtime.db.session() as session:
        row = session.get(Pledge, pledge_id)
        assert row is not None and row.status == "active"
    asked = client.post(manage, data={"csrf": token})
    assert asked.status_code == 200 and _token(asked.text) == token
    done = client.post(manage, data={"confirm": "yes", "csrf": token})
    assert done.status_code == 200 and "Your pledge is withdrawn" in done.text


def test_every_page_route_taking_a_post_refuses_it_without_a_token(
    runtime: Runtime, client: TestClient, campaign: Campaign
) -> None:
    with runtime.db.session() as session:
        pledge_id = add_pledge(session, campaign)
    manage = manage_path(runtime, pledge_id)
    routes = api_routes(client.app)
    page_posts = [
        route.path
        for route in routes
        if not route.path.startswith("/api/") and "POST" in route.methods
    ]
    known = {"/c/{slug}/pledge", "/pledge/confirm", "/p/{pledge_id}/{signature}"}
    assert known <= set(page_posts)
    for path in page_posts:  # new form routes are covered without editing this test
        url = path.replace("/p/{pledge_id}/{signature}", manage).replace("{slug}", campaign.slug)
        url = url.replace("{campaign_id}", str(campaign.id)).replace("{token_id}", "1")
        url = url.replace("{token}", "unsub.1.receipts.0.0")  # mail links (notify)
        assert "{" not in url, f"teach this test the parameters of {path}"
        _refused(client.post(url, data={"platform": "x", "state": "s", "confirm": "yes"}))
    with runtime.db.session() as session:
        row = session.get(Pledge, pledge_id)
        assert row is not None and row.status == "active"
    # CSRF is checked on POST only: no page may take another unsafe method (those need a
    # CORS preflight cross-site, which this app never grants)
    assert any(route.path.startswith("/api/") for route in routes)
    for route in routes:
        if not route.path.startswith("/api/"):
            assert not route.methods & {"PUT", "PATCH", "DELETE"}, route.path


def test_every_form_in_every_template_carries_the_token() -> None:
    forms = 0
    for template in TEMPLATES.rglob("*.html"):  # owner/ and admin/ pages too
        text = template.read_text()
        for form in re.findall(r"<form\b.*?</form>", text, re.S):
            forms += 1
            if 'method="post"' in form:
                assert "{{ csrf_field() }}" in form, template.name
    assert forms >= 5


def test_the_owner_api_needs_no_csrf_token(client: TestClient, owner_token: str) -> None:
    created = client.post(
        "/api/campaigns",
        json=factories.payload(),
        headers={"Authorization": f"Bearer {owner_token}"},
    )
    assert created.status_code == 201, created.text
    assert "set-cookie" not in created.headers


@pytest.mark.parametrize("cookie", ["", "short", "has spaces and ;", "x" * 100])
def test_a_malformed_cookie_is_replaced_not_trusted(
    client: TestClient, campaign: Campaign, cookie: str
) -> None:
    client.cookies.set(COOKIE, cookie)
    page = client.get(f"/c/{campaign.slug}")
    assert page.status_code == 200 and "set-cookie" in page.headers
