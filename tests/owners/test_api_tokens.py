"""API tokens: made with a name and shown once, listed without their digest, revoked for good.

Through the JSON API (authenticated by a token) and on the account page (by the login cookie).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from amplifier.crypto import hash_secret
from amplifier.models import ApiToken
from amplifier.owners.api_tokens import owner_for_token
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from tests import factories
from tests.owners.conftest import MakeOwner, csrf_of, post_form


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_made_through_the_api_is_shown_once_and_works(
    runtime: Runtime, client: TestClient, owner_token: str
) -> None:
    made = client.post("/api/tokens", json={"name": " deploy script "}, headers=auth(owner_token))
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["name"] == "deploy script" and body["token"].startswith("amp_")
    assert body["revoked_at"] is None and body["last_used_at"] is None
    assert client.get("/api/campaigns", headers=auth(body["token"])).status_code == 200
    listed = client.get("/api/tokens", headers=auth(body["token"])).json()
    assert [t["name"] for t in listed] == ["default", "deploy script"]
    assert all(set(t) == {"id", "name", "created_at", "last_used_at", "revoked_at"} for t in listed)
    assert body["token"] not in client.get("/api/tokens", headers=auth(owner_token)).text
    with runtime.db.session() as session:
        row = session.get(ApiToken, body["id"])
        assert row is not None and row.token_hash == hash_secret(body["token"])
        assert row.last_used_at is not None  # it was used above
        assert body["token"] not in {t.token_hash for t in session.exec(select(ApiToken))}


def test_a_revoked_token_gets_401_and_stays_listed(client: TestClient, owner_token: str) -> None:
    spare = client.post("/api/tokens", json={"name": "spare"}, headers=auth(owner_token)).json()
    revoked = client.post(f"/api/tokens/{spare['id']}/revoke", headers=auth(owner_token))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    refused = client.get("/api/campaigns", headers=auth(spare["token"]))
    assert refused.status_code == 401 and "unknown or revoked" in refused.json()["message"]
    again = client.post(f"/api/tokens/{spare['id']}/revoke", headers=auth(owner_token))
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]  # the first time stays
    listed = {t["name"]: t for t in client.get("/api/tokens", headers=auth(owner_token)).json()}
    assert listed["spare"]["revoked_at"] is not None and listed["default"]["revoked_at"] is None
    # a token can revoke itself: the caller is then locked out at once
    own_id = listed["default"]["id"]
    assert client.post(f"/api/tokens/{own_id}/revoke", headers=auth(owner_token)).status_code == 200
    assert client.get("/api/tokens", headers=auth(owner_token)).status_code == 401


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "   "}, "give the token a name"),
        ({"name": "line\nbreak"}, "control characters"),
        ({"name": 5}, "name"),
        ({}, "name"),
        ([], "JSON object"),
    ],
)
def test_bad_token_requests_get_a_4xx_that_says_why(
    runtime: Runtime, client: TestClient, owner_token: str, body: object, problem: str
) -> None:
    answer = client.post("/api/tokens", json=body, headers=auth(owner_token))
    assert answer.status_code == 422 and problem in answer.json()["message"]
    with runtime.db.session() as session:
        assert len(session.exec(select(ApiToken)).all()) == 1


@pytest.mark.parametrize("token_id", ["0", "abc", "99999", "99999999999999999999", "-1", "1.5"])
def test_unknown_token_ids_are_404(client: TestClient, owner_token: str, token_id: str) -> None:
    answer = client.post(f"/api/tokens/{token_id}/revoke", headers=auth(owner_token))
    assert answer.status_code == 404


def test_the_token_api_needs_a_token(client: TestClient) -> None:
    assert client.get("/api/tokens").status_code == 401
    assert client.post("/api/tokens", json={"name": "x"}).status_code == 401
    assert client.post("/api/tokens/1/revoke").status_code == 401


def test_last_used_is_written_at_most_once_a_minute(runtime: Runtime) -> None:
    now = utcnow()
    with runtime.db.session() as session:
        token = factories.owner(session).token
    with runtime.db.session() as session:
        assert owner_for_token(session, token, now=now) is not None
    for later, expected in [
        (now + timedelta(seconds=30), now),
        (now + timedelta(seconds=61), now + timedelta(seconds=61)),
    ]:
        with runtime.db.session() as session:
            assert owner_for_token(session, token, now=later) is not None
        with runtime.db.session() as session:
            row = session.exec(select(ApiToken)).one()
            assert row.last_used_at == expected


def test_the_account_page_makes_lists_and_revokes_tokens(
    runtime: Runtime, make_owner: MakeOwner, client: TestClient
) -> None:
    ada = make_owner("ada@example.org")
    account = ada.browser.get("/account")
    assert "No tokens yet" in account.text
    made = post_form(ada.browser, "/account", "/account/tokens", name="laptop CLI")
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    shown = re.search(r'<code id="new-token-value">(amp_[^<]+)</code>', made.text)
    assert shown is not None
    token = shown.group(1)
    assert "copy it now, it will not be shown again" in made.text
    assert client.get("/api/campaigns", headers=auth(token)).status_code == 200
    again = ada.browser.get("/account")
    assert token not in again.text and "laptop CLI" in again.text  # shown that once only
    with runtime.db.session() as session:
        row = session.exec(select(ApiToken).where(ApiToken.owner_id == ada.owner_id)).one()
    assert row.token_hash == hash_secret(token)
    revoke = ada.browser.post(
        f"/account/tokens/{row.id}/revoke",
        data={"csrf": csrf_of(again.text)},
        follow_redirects=False,
    )
    assert revoke.status_code == 303 and revoke.headers["location"] == "/account"
    assert client.get("/api/campaigns", headers=auth(token)).status_code == 401
    assert "revoked" in ada.browser.get("/account").text


def test_a_bad_token_name_is_told_on_the_account_page(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    ada = make_owner("ada@example.org")
    for name, problem in [("  ", "Give the token a name"), ("x" * 300, "At most 200")]:
        answer = post_form(ada.browser, "/account", "/account/tokens", name=name)
        assert answer.status_code == 400 and problem in answer.text
        assert 'id="token-error"' in answer.text
    with runtime.db.session() as session:
        assert session.exec(select(ApiToken)).all() == []


def test_token_forms_need_the_csrf_token(runtime: Runtime, make_owner: MakeOwner) -> None:
    ada = make_owner("ada@example.org")
    made = post_form(ada.browser, "/account", "/account/tokens", name="kept")
    assert made.status_code == 200
    with runtime.db.session() as session:
        row = session.exec(select(ApiToken)).one()
    assert ada.browser.post("/account/tokens", data={"name": "x"}).status_code == 403
    assert ada.browser.post(f"/account/tokens/{row.id}/revoke").status_code == 403
    with runtime.db.session() as session:
        rows = session.exec(select(ApiToken)).all()
        assert len(rows) == 1 and rows[0].revoked_at is None
