"""Security headers on every response: a CSP without inline script, no framing, nosniff, a
referrer policy (none at all where the address carries a secret), HSTS only over https, and
/docs with a CSP of its own that still lets Swagger UI load."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
from fastapi.testclient import TestClient

from amplifier.models import Campaign
from amplifier.runtime import Runtime
from amplifier.web.pages import manage_path
from tests import factories
from tests.factories import add_pledge
from tests.web.conftest import ClientFactory


def _csp(response: httpx.Response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {
        d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else ""
        for d in (part.strip() for part in policy.split(";"))
        if d
    }


def _assert_hardened(response: httpx.Response, *, referrer: str) -> None:
    csp = _csp(response)
    assert csp["frame-ancestors"] == "'none'"
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["base-uri"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == referrer
    assert "strict-transport-security" not in response.headers  # http:// deployment


def test_every_kind_of_response_carries_the_headers(
    runtime: Runtime, client: TestClient, campaign: Campaign, owner_token: str
) -> None:
    auth = {"Authorization": f"Bearer {owner_token}"}
    answers = {
        "home": client.get("/"),
        "campaign": client.get(f"/c/{campaign.slug}"),
        "api": client.get("/api/campaigns", headers=auth),
        "api 401": client.get("/api/campaigns"),
        "api 422": client.post("/api/campaigns", content=b"{", headers=auth),
        "404": client.get("/nowhere"),
        "405": client.put(f"/c/{campaign.slug}"),
        "403 csrf": client.post(f"/c/{campaign.slug}/pledge", data={"platform": "x"}),
        "static": client.get("/static/amplifier.css"),
        "healthz": client.get("/healthz"),
        "openapi": client.get("/openapi.json"),
    }
    for name, answer in answers.items():
        assert answer.status_code < 500, name
        _assert_hardened(answer, referrer="strict-origin-when-cross-origin")
    assert answers["api"].headers["cache-control"] == "no-store"
    form_action = _csp(answers["campaign"])["form-action"].split()
    # the pledge form's redirect goes to the platform's sign-in page (X or any Mastodon server)
    assert form_action[:2] == ["'self'", "https:"]


def test_a_500_carries_them_too(runtime: Runtime, client: TestClient) -> None:
    app = client.app

    @app.get("/boom")  # type: ignore[attr-defined, untyped-decorator]
    def boom() -> None:
        raise RuntimeError("a bug")

    answer = client.get("/boom")
    assert answer.status_code == 500 and "Something went wrong" in answer.text
    _assert_hardened(answer, referrer="strict-origin-when-cross-origin")


def test_pages_whose_address_carries_a_secret_send_no_referrer_and_are_not_stored(
    runtime: Runtime, client: TestClient, campaign: Campaign
) -> None:
    with runtime.db.session() as session:
        pledge_id = add_pledge(session, campaign)
    secret_pages = [
        client.get(manage_path(runtime, pledge_id)),  # the manage link is a capability
        client.get("/oauth/x/callback?state=nothing&code=secret-code"),  # code in the query
        client.get("/pledge/confirm"),
    ]
    for answer in secret_pages:
        _assert_hardened(answer, referrer="no-referrer")
        assert answer.headers["cache-control"] == "no-store"


def test_hsts_only_over_https(make_client: ClientFactory) -> None:
    https = make_client(public_url="https://amplifier.example").get("/")
    assert https.headers["strict-transport-security"] == "max-age=31536000"


def test_pages_run_no_inline_script_or_style(
    runtime: Runtime, client: TestClient, campaign: Campaign
) -> None:
    with runtime.db.session() as session:
        pledge_id = add_pledge(session, campaign)
    manage = manage_path(runtime, pledge_id)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(manage).text)
    assert token is not None
    pages = [
        client.get(f"/c/{campaign.slug}").text,
        client.get(manage).text,
        client.post(manage, data={"csrf": token.group(1)}).text,  # "are you sure?"
        client.get("/").text,
    ]
    for html in pages:
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
        assert "<style" not in html and " style=" not in html and "javascript:" not in html
        assert re.search(r"\son[a-z]+=", html) is None, "inline event handler"
        # what the page loads (scripts, styles, icons), not the canonical address it names
        loaded = r'<(?:script|link(?![^>]*rel="canonical"))[^>]+(?:src|href)="([^"]+)"'
        for src in re.findall(loaded, html):
            assert src.startswith("/static/"), src
            asset = client.get(src)
            assert asset.status_code == 200, src
            assert asset.headers["content-type"].startswith(
                ("text/javascript", "text/css", "image/svg+xml")  # the favicon
            )


def test_docs_have_their_own_csp_allowing_swagger_ui(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and "SwaggerUIBundle" in docs.text
    csp = _csp(docs)
    assert csp["frame-ancestors"] == "'none'" and csp["default-src"] == "'none'"
    assert "'unsafe-inline'" not in csp["script-src"]
    scripts = re.findall(r"<script>(.*?)</script>", docs.text, re.S)
    assert scripts
    for source in scripts:  # FastAPI's inline start-up script is allowed by its hash only
        digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp["script-src"]
    # Everything Swagger UI loads comes from this server: /docs works with no internet.
    assert "'self'" in csp["script-src"].split() and "'self'" in csp["style-src"].split()
    assets = {
        "text/javascript": re.findall(r'<script src="([^"]+)"', docs.text),
        "text/css": re.findall(r'<link type="text/css" rel="stylesheet" href="([^"]+)"', docs.text),
        "image/png": re.findall(r'<link rel="shortcut icon" href="([^"]+)"', docs.text),
    }
    for kind, urls in assets.items():
        assert urls, kind
        for url in urls:
            assert url.startswith("/"), f"{url} is not served by amplifier"
            asset = client.get(url)
            assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind)
            assert len(asset.content) > 500, url
    assert csp["connect-src"] == "'self'"  # fetches /openapi.json and "Try it out" calls
    assert "validator.swagger.io" not in docs.text
    assert client.get("/openapi.json").status_code == 200


def test_api_answers_keep_their_json_with_the_headers(client: TestClient, owner_token: str) -> None:
    created = client.post(
        "/api/campaigns",
        json=factories.payload(),
        headers={"Authorization": f"Bearer {owner_token}"},
    )
    assert created.status_code == 201 and created.json()["signup_url"]
    assert created.headers["x-content-type-options"] == "nosniff"
