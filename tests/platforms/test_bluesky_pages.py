"""The pledge form asks a Bluesky handle; one that does not resolve is told beside the field,
keeping what was typed; one that does leads to the PDS's authorization page (PAR made)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from amplifier.campaigns.lifecycle import CampaignCreate, create_campaign
from amplifier.platforms.bluesky.settings import BlueskySettings
from amplifier.runtime import Runtime
from tests import factories
from tests.conftest import LiveWeb


def _bluesky_campaign(runtime: Runtime, sandbox: Any) -> str:
    url = str(sandbox.bluesky_url).rstrip("/")
    runtime.settings.platforms["bluesky"] = BlueskySettings(  # type: ignore[call-arg]
        _env_file=None, allow_http=True, handle_resolver=url, plc_directory=url, web_base=url
    )
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        data = CampaignCreate.model_validate(factories.payload(platforms=["bluesky"]))
        row = create_campaign(
            session,
            owner_id=owner.owner.id,
            data=data,
            enabled_platforms=["bluesky"],
            auto_approve=True,
        )
        return row.slug


def test_a_handle_that_does_not_resolve_is_told_beside_the_field(
    runtime: Runtime, sandbox: Any, web: LiveWeb
) -> None:
    slug = _bluesky_campaign(runtime, sandbox)
    browser, csrf = factories.form_browser(runtime)
    answer = browser.post(
        f"{web.url}/c/{slug}/pledge",
        data={"platform": "bluesky", "instance": "nobody.example.com", **csrf},
        allow_redirects=False,
    )
    assert answer.status_code == 422
    assert 'value="nobody.example.com"' in answer.text  # what was typed is kept
    assert "No Bluesky account answers to “nobody.example.com”" in answer.text


def test_a_handle_that_resolves_leads_to_its_authorization_page(
    runtime: Runtime, sandbox: Any, web: LiveWeb
) -> None:
    slug = _bluesky_campaign(runtime, sandbox)
    browser, csrf = factories.form_browser(runtime)
    answer = browser.post(
        f"{web.url}/c/{slug}/pledge",
        data={"platform": "bluesky", "instance": "@Nina.bsky.sandbox", **csrf},
        allow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:500]
    where = answer.headers["Location"]
    assert where.startswith(str(sandbox.bluesky_url).rstrip("/") + "/oauth/authorize?")
    assert "request_uri=urn" in where and "client_id=" in where


def _back_from_consent(runtime: Runtime, sandbox: Any, web: LiveWeb, handle: str) -> tuple[
    Any, str
]:  # fmt: skip
    """A browser that started a pledge and approved it on the PDS: where it is sent back."""
    slug = _bluesky_campaign(runtime, sandbox)
    browser, csrf = factories.form_browser(runtime)
    start = browser.post(
        f"{web.url}/c/{slug}/pledge",
        data={"platform": "bluesky", "instance": handle, **csrf},
        allow_redirects=False,
    )
    assert start.status_code == 303, start.text[:300]
    consent = browser.post(
        start.headers["Location"],
        data={"username": handle.split(".")[0], "decision": "approve"},
        allow_redirects=False,
    )
    return browser, consent.headers["Location"]


def test_the_callback_must_come_from_the_issuer_of_the_sign_in(
    runtime: Runtime, sandbox: Any, web: LiveWeb
) -> None:
    browser, back = _back_from_consent(runtime, sandbox, web, "olga.bsky.sandbox")
    issuer = str(sandbox.bluesky_url).rstrip("/")
    query = parse_qs(urlsplit(back).query)
    assert query["iss"] == [issuer]
    query["iss"] = ["https://evil.example"]
    forged = urlunsplit(urlsplit(back)._replace(query=urlencode(query, doseq=True)))
    refused = browser.get(forged)
    assert refused.status_code == 400
    assert "came back from “https://evil.example”" in refused.text

    browser, back = _back_from_consent(runtime, sandbox, web, "pia.bsky.sandbox")
    welcomed = browser.get(back)
    assert welcomed.status_code == 200, welcomed.text[:300]
    assert "@pia.bsky.sandbox" in welcomed.text  # the consent page names the account
