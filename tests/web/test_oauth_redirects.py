"""No address a visitor supplies decides where amplifier sends a browser.

The OAuth `redirect_uri` is built from AMPLIFIER_PUBLIC_URL alone (never from the request's
Host or forwarding headers, never from a parameter); the callback renders a page and never
redirects; no route takes a `next`-style parameter; every redirect amplifier answers with goes
to one of its own paths or to the platform's sign-in page.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import requests
from fastapi.testclient import TestClient

from amplifier.models import Campaign
from amplifier.runtime import Runtime
from tests.web.conftest import ClientFactory, api_routes

EVIL = "https://evil.example/steal"
_FORGED_HEADERS = {
    "Host": "evil.example",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "https",
    "Forwarded": "host=evil.example;proto=https",
    "Referer": EVIL,
}
_REDIRECT_WORDS = re.compile(r"next|redirect|return|continue|goto|dest|callback|url|target")


def _token(client: TestClient, slug: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/c/{slug}").text)
    assert match is not None
    return match.group(1)


def test_redirect_uri_comes_from_settings_whatever_the_request_says(
    runtime: Runtime, make_client: ClientFactory, campaign: Campaign
) -> None:
    client = make_client(public_url="https://amplifier.example")
    token = _token(client, campaign.slug)
    start = client.post(
        f"/c/{campaign.slug}/pledge?next={EVIL}&redirect_uri={EVIL}",
        data={"platform": "x", "csrf": token, "next": EVIL, "redirect_uri": EVIL},
        headers=_FORGED_HEADERS,
        follow_redirects=False,
    )
    assert start.status_code == 303
    authorize = urlsplit(start.headers["location"])
    assert f"{authorize.scheme}://{authorize.netloc}" == runtime.settings.platform("x").api_base
    query = parse_qs(authorize.query)
    assert query["redirect_uri"] == ["https://amplifier.example/oauth/x/callback"]


def test_a_crafted_callback_cannot_send_the_browser_off_site(
    runtime: Runtime, client: TestClient, campaign: Campaign
) -> None:
    token = _token(client, campaign.slug)
    start = client.post(
        f"/c/{campaign.slug}/pledge",
        data={"platform": "x", "csrf": token},
        follow_redirects=False,
    )
    consent = requests.post(  # the sandbox's consent screen, over real HTTP
        start.headers["location"],
        data={"username": "rosa", "followers": "5", "decision": "approve"},
        allow_redirects=False,
        timeout=10,
    )
    callback = urlsplit(consent.headers["location"])
    assert callback.path == "/oauth/x/callback"
    extras = "&".join(
        f"{name}={EVIL}" for name in ("next", "redirect_uri", "return_to", "continue", "url")
    )
    crafted = [
        f"/oauth/x/callback?{callback.query}&{extras}",  # a genuine sign-in, plus extras
        f"/oauth/x/callback?state=forged&code=1&{extras}",
        f"/oauth/x/callback?error=access_denied&state=forged&{extras}",
        f"/oauth/mastodon/callback?{callback.query}&{extras}",  # the other platform's path
        f"/oauth/{EVIL}/callback?{extras}",
    ]
    for url in crafted:
        answer = client.get(url, headers=_FORGED_HEADERS, follow_redirects=False)
        assert answer.status_code < 500, url
        assert not 300 <= answer.status_code < 400, (url, answer.headers.get("location"))
        assert "location" not in answer.headers and "refresh" not in answer.headers
        assert "evil.example" not in answer.text, url  # not even as a link


def test_no_route_takes_a_return_address() -> None:
    from amplifier.web.api import router as api_router
    from amplifier.web.app import create_app  # noqa: F401  (the routers below are the app's)
    from amplifier.web.pages import router as pages_router

    class _App:
        routes = [*api_router.routes, *pages_router.routes]

    for route in api_routes(_App()):
        dependant = route.dependant
        params = [
            *dependant.query_params,
            *dependant.body_params,
            *dependant.header_params,
            *dependant.cookie_params,
        ]
        for sub in dependant.dependencies:
            params += [*sub.query_params, *sub.body_params]
        for param in params:
            assert not _REDIRECT_WORDS.search(param.alias.lower()), (route.path, param.alias)


def test_every_redirect_stays_on_site_or_goes_to_the_platform(
    runtime: Runtime, client: TestClient, campaign: Campaign
) -> None:
    token = _token(client, campaign.slug)
    answers = [
        client.get(f"/c/{campaign.slug}/pledge", follow_redirects=False),
        client.get(f"/c/{campaign.slug}/pledge/", follow_redirects=False),
        client.get("//evil.example/c/x", follow_redirects=False),
        client.get("/c/%2F%2Fevil.example/pledge", follow_redirects=False),
        client.post(
            f"/c/{campaign.slug}/pledge",
            data={"platform": "x", "csrf": token},
            follow_redirects=False,
        ),
    ]
    platform = runtime.settings.platform("x").api_base
    for answer in answers:
        location = answer.headers.get("location")
        if location is None:
            continue
        on_site = location.startswith("/") and not location.startswith(("//", "/\\"))
        own_origin = location.startswith(str(client.base_url) + "/")
        assert on_site or own_origin or location.startswith(platform + "/"), location


def test_an_oversized_callback_is_refused_before_anything_is_done_with_it(
    client: TestClient, campaign: Campaign
) -> None:
    token = _token(client, campaign.slug)
    start = client.post(
        f"/c/{campaign.slug}/pledge", data={"platform": "x", "csrf": token}, follow_redirects=False
    )
    consent = requests.post(
        start.headers["location"],
        data={"username": "olga", "followers": "5", "decision": "approve"},
        allow_redirects=False,
        timeout=10,
    )
    genuine = urlsplit(consent.headers["location"])
    state = parse_qs(genuine.query)["state"][0]
    for query in (
        f"state={state}&code={'c' * 5_000}",
        f"state={state}&error={'e' * 5_000}",
        f"state={'s' * 5_000}&code=abc",
    ):
        answer = client.get(f"/oauth/x/callback?{query}")
        assert answer.status_code == 400, query[:40]
        assert "This sign-in link is not valid" in answer.text
    # the sign-in itself was left alone: the platform's own callback still completes it
    completed = client.get(f"{genuine.path}?{genuine.query}")
    assert completed.status_code == 200 and "Confirm your pledge" in completed.text
