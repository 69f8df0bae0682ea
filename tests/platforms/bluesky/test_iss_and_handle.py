"""The `iss` of a reconnection's callback must be the authorization server the sign-in started
at (RFC 9207, required by atproto OAuth), as on the first connect; and the report's link names
the account by the handle it signed in with."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from sqlmodel import select

from amplifier.models import Campaign, Pledge
from amplifier.platforms.base import TokenSet
from amplifier.pledges.pledging import store_tokens
from amplifier.runtime import Runtime
from amplifier.web.supporter_links import manage_path
from tests import factories
from tests.conftest import LiveWeb

from ..bluesky_helpers import client_site, make_adapter, resolver
from ..test_bluesky_contract import connect
from ..test_bluesky_pages import _bluesky_campaign


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[str, Any]]:
    with client_site() as found:
        yield found


def _pledge(runtime: Runtime, sandbox: Any, name: str) -> int:
    """An active pledge on the sandbox's PDS (its tokens do not matter: it reconnects)."""
    slug = _bluesky_campaign(runtime, sandbox)
    base = str(sandbox.bluesky_url).rstrip("/")
    requests.post(f"{base}/_sandbox/users", json={"username": name}, timeout=5)
    did = resolver(base).identity(f"{name}.bsky.sandbox").did
    with runtime.db.session() as session:
        campaign = session.exec(select(Campaign).where(Campaign.slug == slug)).one()
        assert campaign.id is not None
        row = Pledge(
            campaign_id=campaign.id,
            platform="bluesky",
            instance_url=base,
            account_id=did,
            handle=f"@{name}.bsky.sandbox",
            followers=1,
            post_text=campaign.post_text(),
        )
        store_tokens(row, TokenSet("old"), runtime.cipher)
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def _back_from_reconnect(runtime: Runtime, web: LiveWeb, pledge_id: int, name: str) -> tuple[
    requests.Session, str
]:  # fmt: skip
    browser, csrf = factories.form_browser(runtime)
    start = browser.post(
        f"{web.url}{manage_path(runtime, pledge_id)}/reconnect", data=csrf, allow_redirects=False
    )
    assert start.status_code == 303, start.text[:300]
    consent = browser.post(
        start.headers["Location"],
        data={"username": name, "decision": "approve"},
        allow_redirects=False,
    )
    return browser, consent.headers["Location"]


def test_a_reconnection_from_another_issuer_is_refused_and_changes_nothing(
    runtime: Runtime, sandbox: Any, web: LiveWeb
) -> None:
    pledge_id = _pledge(runtime, sandbox, "rae")
    browser, back = _back_from_reconnect(runtime, web, pledge_id, "rae")
    query = parse_qs(urlsplit(back).query)
    assert query["iss"] == [str(sandbox.bluesky_url).rstrip("/")]
    query["iss"] = ["https://evil.example"]
    forged = urlunsplit(urlsplit(back)._replace(query=urlencode(query, doseq=True)))
    refused = browser.get(forged)
    assert refused.status_code == 400
    assert "came back from “https://evil.example”" in refused.text
    assert "Your pledge is unchanged" in refused.text
    with runtime.db.session() as session:
        row = session.get(Pledge, pledge_id)
        assert row is not None and runtime.cipher.decrypt(row.access_token_enc) == "old"

    browser, back = _back_from_reconnect(runtime, web, pledge_id, "rae")
    welcomed = browser.get(back)
    assert welcomed.status_code == 200, welcomed.text[:300]
    assert "is connected again" in welcomed.text


def test_the_report_link_names_the_handle_signed_in_with(
    sandbox: Any, site: tuple[str, Any]
) -> None:
    base = str(sandbox.bluesky_url).rstrip("/")
    requests.post(f"{base}/_sandbox/reset", timeout=5).raise_for_status()
    adapter = make_adapter(base, site[0], site[1], timeout=5.0)
    tokens = connect(adapter, base, "sol")
    assert tokens.extras["handle"] == "sol.bsky.sandbox"
    post = adapter.publish(tokens, "Hello from the river", idempotency_key="amplifier-5")
    rkey = post.remote_id.rsplit("/", 1)[1]
    assert post.url == f"{base}/profile/sol.bsky.sandbox/post/{rkey}"
    page = requests.get(post.url, timeout=5)  # the emulator's app serves it
    assert page.status_code == 200 and "Hello from the river" in page.text
    del tokens.extras["handle"]  # a session stored before handles were kept: the DID
    found = adapter.record(tokens, rkey)
    assert found is not None
    assert found[0].url == f"{base}/profile/{tokens.extras['did']}/post/{rkey}"
    assert requests.get(found[0].url, timeout=5).status_code == 200
