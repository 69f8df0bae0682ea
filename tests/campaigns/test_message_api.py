"""PATCH /api/campaigns/{id}/message: 200 with the new version, 409 when too late, 422 for rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from amplifier.models import Campaign, CampaignStatus
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.app import create_app
from tests import factories


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as c:
        yield c


def _owner(runtime: Runtime) -> tuple[int, dict[str, str]]:
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        return owner.owner.id, {"Authorization": f"Bearer {owner.token}"}


def _create(client: TestClient, auth: dict[str, str], **overrides: object) -> int:
    answer = client.post("/api/campaigns", json=factories.payload(**overrides), headers=auth)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["message_version"] == 1 and body["awaiting_reconsent"] == 0
    return int(body["id"])


def test_the_owner_edits_the_message_and_reads_the_personalisation_settings(
    runtime: Runtime, client: TestClient
) -> None:
    _, auth = _owner(runtime)
    campaign_id = _create(
        client,
        auth,
        personalisation_allowed=True,
        personal_required=["#River"],
        personal_max_length=300,
    )
    answer = client.patch(
        f"/api/campaigns/{campaign_id}/message",
        json={"message_text": "Keep the river clean #River", "link": None},
        headers=auth,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["post_text"] == "Keep the river clean #River" and body["link"] is None
    assert body["message_version"] == 1  # nobody had pledged: edited in place
    assert body["personalisation_allowed"] is True
    assert (body["personal_required"], body["personal_max_length"]) == (["#River"], 300)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"message_text": "Keep it clean", "link": None}, "'#River' does not appear"),
        ({"message_text": "x" * 300, "link": None}, "x: X allows 280 weighted characters"),
        ({"message_text": "   ", "link": None}, "must not be empty"),
        ({"message_text": "ok #River", "link": "javascript:alert(1)"}, "http:// or https://"),
        ({"message_text": "ok #River", "link": "https://e.org/" + "a" * 2000}, "at most 2000"),
        ({"message_text": "y" * 5001}, "at most 5000"),
        ({"link": None}, "message_text: Field required"),
    ],
)
def test_rule_violations_are_422_and_change_nothing(
    runtime: Runtime, client: TestClient, edit: dict[str, object], message: str
) -> None:
    _, auth = _owner(runtime)
    campaign_id = _create(client, auth, personal_required=["#River"])
    answer = client.patch(f"/api/campaigns/{campaign_id}/message", json=edit, headers=auth)
    assert answer.status_code == 422, answer.text
    assert message in answer.json()["message"]
    body = client.get(f"/api/campaigns/{campaign_id}", headers=auth).json()
    assert body["post_text"] == "Protect our river today #River https://example.org/river"


def test_too_late_is_409_and_another_owners_campaign_is_refused(
    runtime: Runtime, client: TestClient
) -> None:
    owner_id, auth = _owner(runtime)
    _, other = _owner(runtime)
    edit = {"message_text": "New words #River", "link": "https://example.org/river"}
    with runtime.db.session() as session:
        soon = factories.campaign(
            session,
            owner_id,
            deadline=utcnow() + timedelta(seconds=5),
            release=utcnow() + timedelta(seconds=30),  # inside the 60 s preparation lead
        )
        released = factories.campaign(session, owner_id)
        released.status = CampaignStatus.RELEASED
        session.add(released)
        ids = soon.id, released.id
    for campaign_id, reason in zip(
        ids, ("being prepared", "released cannot be edited"), strict=True
    ):
        answer = client.patch(f"/api/campaigns/{campaign_id}/message", json=edit, headers=auth)
        assert answer.status_code == 409 and reason in answer.json()["message"]
    foreign = client.patch(f"/api/campaigns/{ids[0]}/message", json=edit, headers=other)
    assert foreign.status_code == 404  # answered as if it did not exist
    assert client.patch("/api/campaigns/999999/message", json=edit, headers=auth).status_code == 404
    assert client.patch(f"/api/campaigns/{ids[0]}/message", json=edit).status_code == 401
    with runtime.db.session() as session:
        row = session.get(Campaign, ids[0])
        assert row is not None and row.message_text == "Protect our river today #River"


def test_an_omitted_link_is_kept_and_an_explicit_null_or_empty_removes_it(
    runtime: Runtime, client: TestClient
) -> None:
    """PATCH semantics, as the CLI's edit-message: leaving `link` out must not drop it."""
    _, auth = _owner(runtime)
    campaign_id = _create(client, auth)
    url = f"/api/campaigns/{campaign_id}/message"
    kept = client.patch(url, json={"message_text": "Save our river #River"}, headers=auth)
    assert kept.status_code == 200, kept.text
    assert kept.json()["link"] == "https://example.org/river"
    assert kept.json()["post_text"] == "Save our river #River https://example.org/river"
    for removal in (None, ""):
        client.patch(url, json={"message_text": "x", "link": "https://e.org/a"}, headers=auth)
        removed = client.patch(
            url, json={"message_text": "Save our river #River", "link": removal}, headers=auth
        )
        assert removed.status_code == 200, removed.text
        assert removed.json()["link"] is None
        assert removed.json()["post_text"] == "Save our river #River"


def test_the_openapi_schema_documents_the_link_semantics(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    link = schema["components"]["schemas"]["MessageEdit"]["properties"]["link"]
    assert "Omitted" in link["description"] and "removed" in link["description"]
