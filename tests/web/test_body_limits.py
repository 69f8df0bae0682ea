"""Request bodies have a size limit (413 with a message) and every text field a length limit."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from fastapi.testclient import TestClient
from sqlmodel import select

from amplifier.campaigns.rules import CampaignCreate
from amplifier.models import Campaign, OAuthAttempt
from amplifier.runtime import Runtime
from tests import factories
from tests.web.conftest import api_routes


def _token(client: TestClient, slug: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/c/{slug}").text)
    assert match is not None
    return match.group(1)


def _chunks(total: int, size: int = 8192) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"a" * min(size, total - sent)
        sent += size


def test_a_form_over_64_kib_is_refused_with_a_page(
    runtime: Runtime, client: TestClient, campaign: Campaign
) -> None:
    token = _token(client, campaign.slug)
    padding = "x" * (64 * 1024)
    answer = client.post(
        f"/c/{campaign.slug}/pledge",
        data={"platform": "x", "csrf": token, "padding": padding},
        follow_redirects=False,
    )
    assert answer.status_code == 413
    assert "<h1>This form is too large</h1>" in answer.text and "64 KiB" in answer.text
    assert "nothing was read or recorded" in answer.text
    # without a Content-Length (chunked), the limit holds while reading
    streamed = client.post(
        f"/c/{campaign.slug}/pledge",
        content=_chunks(200 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert streamed.status_code == 413
    with runtime.db.session() as session:
        assert session.exec(select(OAuthAttempt)).all() == []
    small = client.post(
        f"/c/{campaign.slug}/pledge",
        data={"platform": "x", "csrf": token, "padding": "x" * 1000},
        follow_redirects=False,
    )
    assert small.status_code == 303


def test_an_api_body_over_the_limit_gets_json(client: TestClient, owner_token: str) -> None:
    auth = {"Authorization": f"Bearer {owner_token}", "Content-Type": "application/json"}
    big = json.dumps(factories.payload(story="x" * (300 * 1024)))
    answer = client.post("/api/campaigns", content=big, headers=auth)
    assert answer.status_code == 413
    assert answer.json()["message"].startswith("the request body is larger than the 256 KiB")
    streamed = client.post("/api/campaigns", content=_chunks(300 * 1024), headers=auth)
    assert streamed.status_code == 413
    lying = client.post(
        "/api/campaigns", content=b"{}", headers={**auth, "Content-Length": "99999999"}
    )
    assert lying.status_code == 413


def test_the_largest_valid_campaign_fits_under_the_api_limit(
    client: TestClient, owner_token: str
) -> None:
    """Every field at its max_length, non-ASCII, escaped as \\uXXXX (json.dumps's default)."""
    fields = CampaignCreate.model_fields
    longest = {
        name: "é" * next(m.max_length for m in fields[name].metadata if hasattr(m, "max_length"))
        for name in ("title", "story", "message_text")
    }
    body = json.dumps(factories.payload(**longest, link="https://e.org/" + "é" * 1980))
    assert len(body) > 64 * 1024  # so the API needs more than the forms' 64 KiB
    answer = client.post(
        "/api/campaigns",
        content=body,
        headers={"Authorization": f"Bearer {owner_token}", "Content-Type": "application/json"},
    )
    assert answer.status_code == 422  # refused for its text, not for its size
    assert "too long" in answer.text or "does not fit" in answer.text


def test_every_form_text_field_has_a_length_limit(client: TestClient) -> None:
    checked = 0
    for route in api_routes(client.app):
        if route.path.startswith("/api/"):
            continue
        for param in route.dependant.body_params:
            if "UploadFile" in str(param.field_info.annotation):
                continue  # a file, not a text field: bounded by the body limit of uploads
            checked += 1
            metadata = param.field_info.metadata
            assert any(getattr(m, "max_length", None) for m in metadata), (
                route.path,
                param.alias,
            )
    assert checked >= 4  # platform, instance, state, confirm


def test_over_long_form_fields_get_a_page(
    runtime: Runtime, client: TestClient, campaign: Campaign
) -> None:
    token = _token(client, campaign.slug)
    for form in (
        {"platform": "x" * 21},
        {"platform": "mastodon", "instance": "m" * 301},
    ):
        answer = client.post(f"/c/{campaign.slug}/pledge", data={**form, "csrf": token})
        assert answer.status_code == 422 and "<h1>Please check the form</h1>" in answer.text
        assert "at most" in answer.text
    long_state = client.post("/pledge/confirm", data={"state": "s" * 101, "csrf": token})
    assert long_state.status_code == 422 and "at most 100" in long_state.text
