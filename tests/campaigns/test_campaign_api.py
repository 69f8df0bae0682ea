"""The owner's API: scheduling, reading, cancelling, and a clear 4xx for every mistake."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.app import create_app
from tests import factories


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def token(runtime: Runtime) -> str:
    with runtime.db.session() as session:
        return factories.owner(session).token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_owner_schedules_a_campaign_and_gets_its_signup_link(
    client: TestClient, token: str
) -> None:
    answer = client.post("/api/campaigns", json=factories.payload(), headers=auth(token))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "open"
    assert body["signup_url"].endswith(f"/c/{body['slug']}")
    assert body["post_text"] == "Protect our river today #River https://example.org/river"
    assert body["supporters"] == 0
    assert "automation rules" in body["platform_rules"]["x"]
    assert "500 characters" in body["platform_rules"]["mastodon"]
    page = client.get(f"/c/{body['slug']}")
    assert page.status_code == 200
    assert "Protect our river today #River https://example.org/river" in page.text
    listed = client.get("/api/campaigns", headers=auth(token)).json()
    assert [c["id"] for c in listed] == [body["id"]]


def test_times_are_stored_in_utc_whatever_zone_they_came_in(client: TestClient, token: str) -> None:
    deadline = "2099-06-01T20:00:00+02:00"
    release = "2099-06-01T21:30:00-04:00"
    answer = client.post(
        "/api/campaigns",
        json=factories.payload(pledge_deadline=deadline, release_at=release),
        headers=auth(token),
    )
    assert answer.status_code == 201, answer.text
    shown = client.get(f"/api/campaigns/{answer.json()['id']}", headers=auth(token)).json()
    assert shown["pledge_deadline"].startswith("2099-06-01T18:00:00")
    assert shown["release_at"].startswith("2099-06-02T01:30:00")
    assert shown["release_at"].endswith(("Z", "+00:00"))


def _future(hours: float) -> str:
    return (utcnow() + timedelta(hours=hours)).isoformat()


_SAME = _future(3)


BAD_CAMPAIGNS: list[tuple[str, dict[str, Any], str]] = [
    (
        "release before deadline",
        {"pledge_deadline": _future(3), "release_at": _future(2)},
        "release_at must be after pledge_deadline",
    ),
    (
        "release equal to deadline",
        {"pledge_deadline": _SAME, "release_at": _SAME},
        "release_at must be after pledge_deadline",
    ),
    (
        "deadline in the past",
        {"pledge_deadline": _future(-1)},
        "pledge_deadline must be in the future",
    ),
    (
        "release in the past",
        {"pledge_deadline": _future(-3), "release_at": _future(-1)},
        "must be in the future",
    ),
    ("goal zero", {"goal": 0}, "goal"),
    ("goal negative", {"goal": -5}, "goal"),
    ("unknown platform", {"platforms": ["myspace"]}, "unknown platform 'myspace'"),
    ("no platform", {"platforms": []}, "platforms"),
    ("empty text", {"message_text": "   "}, "message_text: must not be empty"),
    ("too long for X", {"message_text": "a" * 270, "platforms": ["x"]}, "X allows 280"),
    (
        "too long for Mastodon",
        {"message_text": "a" * 480, "platforms": ["mastodon"]},
        "Mastodon (the default server's limit) allows 500",
    ),
    ("naive datetime", {"pledge_deadline": "2099-01-01T10:00:00"}, "timezone"),
    ("not a date", {"release_at": "tomorrow"}, "release_at"),
    ("bad link", {"link": "javascript:alert(1)"}, "link: must be an http"),
    ("missing title", {"title": ""}, "title"),
]


@pytest.mark.parametrize(
    ("case", "overrides", "expected"), BAD_CAMPAIGNS, ids=[c[0] for c in BAD_CAMPAIGNS]
)
def test_invalid_campaign_is_refused_with_a_message_naming_the_rule(
    client: TestClient, token: str, case: str, overrides: dict[str, Any], expected: str
) -> None:
    answer = client.post("/api/campaigns", json=factories.payload(**overrides), headers=auth(token))
    assert answer.status_code == 422, answer.text
    assert expected in answer.json()["message"]
    assert client.get("/api/campaigns", headers=auth(token)).json() == []


@pytest.mark.parametrize(
    "body", ["not json", "[]", "{}", '{"goal": "many"}', '{"title": null}', "null"]
)
def test_junk_bodies_get_422_not_500(client: TestClient, token: str, body: str) -> None:
    answer = client.post(
        "/api/campaigns",
        content=body,
        headers={**auth(token), "Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["message"]


def test_x_is_refused_when_this_server_has_no_x_app(
    runtime: Runtime, client: TestClient, token: str
) -> None:
    runtime.settings.platform("x").client_id = None
    answer = client.post("/api/campaigns", json=factories.payload(), headers=auth(token))
    assert answer.status_code == 422
    assert "x not configured" in answer.json()["message"]


def test_missing_and_unknown_tokens_get_401(client: TestClient) -> None:
    assert client.get("/api/campaigns").status_code == 401
    answer = client.get("/api/campaigns", headers=auth("amp_nope"))
    assert answer.status_code == 401
    assert "unknown or revoked" in answer.json()["message"]


def test_another_owners_campaign_is_answered_like_a_missing_one(
    runtime: Runtime, client: TestClient, token: str
) -> None:
    with runtime.db.session() as session:
        other = factories.owner(session, "Other")
    created = client.post("/api/campaigns", json=factories.payload(), headers=auth(token)).json()
    missing = client.get("/api/campaigns/99999", headers=auth(token))
    assert missing.status_code == 404
    for path in ("", "/report"):
        answer = client.get(f"/api/campaigns/{created['id']}{path}", headers=auth(other.token))
        assert answer.status_code == 404
        assert answer.json()["message"] == f"no campaign with id {created['id']}"
    cancel = client.post(f"/api/campaigns/{created['id']}/cancel", headers=auth(other.token))
    assert cancel.status_code == 404
    assert client.get("/api/campaigns", headers=auth(other.token)).json() == []
    mine = client.get(f"/api/campaigns/{created['id']}", headers=auth(token)).json()
    assert mine["status"] == "open"  # the other owner's cancel changed nothing


def test_cancel_then_cancel_again_is_409(client: TestClient, token: str) -> None:
    created = client.post("/api/campaigns", json=factories.payload(), headers=auth(token)).json()
    first = client.post(f"/api/campaigns/{created['id']}/cancel", headers=auth(token))
    assert first.status_code == 200
    assert first.json()["status"] == "cancelled"
    second = client.post(f"/api/campaigns/{created['id']}/cancel", headers=auth(token))
    assert second.status_code == 409
    assert "cancelled cannot be cancelled" in second.json()["message"]


def test_report_of_a_new_campaign_is_empty(client: TestClient, token: str) -> None:
    created = client.post("/api/campaigns", json=factories.payload(), headers=auth(token)).json()
    report = client.get(f"/api/campaigns/{created['id']}/report", headers=auth(token)).json()
    assert report["posts"] == []
    assert report["counts"] == {}
    assert report["supporters"] == 0


def test_openapi_schema_is_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/campaigns" in schema["paths"]
    assert client.get("/docs").status_code == 200


def test_unknown_campaign_page_is_a_404_page(client: TestClient) -> None:
    answer = client.get("/c/no-such-campaign")
    assert answer.status_code == 404
    assert "No such campaign" in answer.text


def test_owner_is_warned_at_creation_when_x_cannot_take_the_goal(
    client: TestClient, token: str
) -> None:
    small = client.post("/api/campaigns", json=factories.payload(goal=50), headers=auth(token))
    assert small.json()["capacity_warnings"] == []
    big = client.post(
        "/api/campaigns", json=factories.payload(goal=12_000, platforms=["x"]), headers=auth(token)
    )
    assert big.status_code == 201
    (warning,) = big.json()["capacity_warnings"]
    assert "10,000 posts per 24 h" in warning and "12,000" in warning
