"""An owner sees and changes only their own campaigns and tokens, through every path.

Bob holds valid credentials of his own (a login cookie, an API token) and tries each path on
Ada's campaign and Ada's token: the web pages, the JSON API and the CLI. Each attempt must be
refused, and at the end Ada's campaign and token must be exactly as they were.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from amplifier.db import Database
from amplifier.models import ApiToken, Campaign, CampaignStatus
from amplifier.owners.api_tokens import issue_token
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from tests import factories
from tests.owners.conftest import MakeOwner, WebOwner, csrf_of

SECRET_TITLE = "Secret plan of Ada"  # no character HTML would escape


@dataclass
class Scene:
    ada: WebOwner
    bob: WebOwner
    ada_token: str
    ada_token_id: int
    bob_token: str
    campaign_id: int


@pytest.fixture
def scene(runtime: Runtime, make_owner: MakeOwner) -> Scene:
    ada = make_owner("ada@example.org", "Ada")
    bob = make_owner("bob@example.org", "Bob")
    with runtime.db.session() as session:
        ada_row, ada_token = issue_token(session, owner_id=ada.owner_id, name="ada laptop")
        _, bob_token = issue_token(session, owner_id=bob.owner_id, name="bob laptop")
        campaign = factories.campaign(session, ada.owner_id, title=SECRET_TITLE)
    assert ada_row.id is not None and campaign.id is not None
    return Scene(ada, bob, ada_token, ada_row.id, bob_token, campaign.id)


def _assert_untouched(runtime: Runtime, scene: Scene, client: TestClient) -> None:
    with runtime.db.session() as session:
        campaign = session.get(Campaign, scene.campaign_id)
        assert campaign is not None
        assert campaign.status == CampaignStatus.OPEN and campaign.cancelled_at is None
        assert campaign.owner_id == scene.ada.owner_id and campaign.title == SECRET_TITLE
        token = session.get(ApiToken, scene.ada_token_id)
        assert token is not None and token.revoked_at is None
        titles = [c.title for c in session.exec(select(Campaign))]
    assert titles.count(SECRET_TITLE) == 1
    mine = client.get(f"/api/campaigns/{scene.campaign_id}", headers=_auth(scene.ada_token))
    assert mine.status_code == 200  # Ada still reaches both with her own credentials
    page = scene.ada.browser.get(f"/owner/campaigns/{scene.campaign_id}")
    assert page.status_code == 200 and SECRET_TITLE in page.text


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_pages_refuse_another_owners_campaign_and_token(
    runtime: Runtime, scene: Scene, client: TestClient
) -> None:
    bob = scene.bob.browser
    missing = bob.get(f"/owner/campaigns/{scene.campaign_id + 1000}")
    foreign = bob.get(f"/owner/campaigns/{scene.campaign_id}")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.text == missing.text  # the very page of a campaign that does not exist
    assert SECRET_TITLE not in foreign.text
    token = csrf_of(bob.get("/owner").text)
    cancel = bob.post(f"/owner/campaigns/{scene.campaign_id}/cancel", data={"csrf": token})
    assert cancel.status_code == 404
    assert SECRET_TITLE not in bob.get("/owner").text
    account = bob.get("/account")
    assert "ada laptop" not in account.text
    revoke = bob.post(f"/account/tokens/{scene.ada_token_id}/revoke", data={"csrf": token})
    assert revoke.status_code == 404
    _assert_untouched(runtime, scene, client)


def test_pages_do_not_accept_an_api_token_or_another_site_s_form(
    runtime: Runtime, scene: Scene, client: TestClient
) -> None:
    # an API token is no login: the pages ask for one
    answer = client.get(f"/owner/campaigns/{scene.campaign_id}", headers=_auth(scene.bob_token),
                        follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    # Ada's own browser, driven by another site's form (no CSRF token), cancels nothing
    forged = scene.ada.browser.post(f"/owner/campaigns/{scene.campaign_id}/cancel")
    assert forged.status_code == 403
    _assert_untouched(runtime, scene, client)


def test_the_api_refuses_another_owners_campaign_and_token(
    runtime: Runtime, scene: Scene, client: TestClient
) -> None:
    bob = _auth(scene.bob_token)
    cid = scene.campaign_id
    answers = [
        client.get(f"/api/campaigns/{cid}", headers=bob),
        client.get(f"/api/campaigns/{cid}/report", headers=bob),
        client.post(f"/api/campaigns/{cid}/cancel", headers=bob),
    ]
    for answer in answers:
        assert answer.status_code == 404, answer.text  # as if it did not exist
        assert SECRET_TITLE not in answer.text
    listed = client.get("/api/campaigns", headers=bob)
    assert listed.status_code == 200 and SECRET_TITLE not in listed.text
    tokens = client.get("/api/tokens", headers=bob).json()
    assert [t["name"] for t in tokens] == ["bob laptop"]
    revoke = client.post(f"/api/tokens/{scene.ada_token_id}/revoke", headers=bob)
    assert revoke.status_code == 404
    # a login cookie is no API token: the API ignores it
    cookie_only = scene.bob.browser.get("/api/campaigns")
    assert cookie_only.status_code == 401
    _assert_untouched(runtime, scene, client)


def _cli(database: Database, tmp_path: Path, *args: str, token_env: str | None = None) -> (
    subprocess.CompletedProcess[str]
):  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "AMPLIFIER_API_TOKEN"}
    env.update(
        AMPLIFIER_DATABASE_URL=database.url,
        AMPLIFIER_DATA_DIR=str(tmp_path / "cli-data"),
        AMPLIFIER_X_CLIENT_ID="cli-test",
        COLUMNS="200",
    )
    if token_env is not None:
        env["AMPLIFIER_API_TOKEN"] = token_env
    return subprocess.run(
        [sys.executable, "-m", "amplifier", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_cli_with_a_token_refuses_another_owners_campaign(
    runtime: Runtime, database: Database, tmp_path: Path, scene: Scene, client: TestClient
) -> None:
    cid = str(scene.campaign_id)
    for args, env in [
        (("campaign", "show", cid, "--token", scene.bob_token), None),
        (("campaign", "cancel", cid, "--token", scene.bob_token), None),
        (("campaign", "show", cid), scene.bob_token),
        (("campaign", "cancel", cid), scene.bob_token),
    ]:
        answer = _cli(database, tmp_path, *args, token_env=env)
        assert answer.returncode == 1, answer.stdout + answer.stderr
        assert f"no campaign with id {cid}" in answer.stdout
        assert SECRET_TITLE not in answer.stdout
    listed = _cli(database, tmp_path, "campaign", "list", "--owner", str(scene.ada.owner_id),
                  token_env=scene.bob_token)  # fmt: skip
    assert listed.returncode == 0 and SECRET_TITLE not in listed.stdout
    revoked = _cli(database, tmp_path, "campaign", "list", "--token", "amp_not-a-token")
    assert revoked.returncode == 1 and "unknown or revoked" in revoked.stdout
    _assert_untouched(runtime, scene, client)
    # the same commands with Ada's own token reach her campaign (the refusals above are scoping)
    shown = _cli(database, tmp_path, "campaign", "show", cid, token_env=scene.ada_token)
    assert shown.returncode == 0 and SECRET_TITLE in shown.stdout
    operator = _cli(database, tmp_path, "campaign", "list")  # no token: the operator sees all
    assert SECRET_TITLE in operator.stdout


def test_the_cli_creates_for_the_tokens_owner_only(
    runtime: Runtime, database: Database, tmp_path: Path, scene: Scene, client: TestClient
) -> None:
    deadline = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    release = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    fields = ["--title", "Bob's blast", "--story", "Bob's story.", "--text", "Bob says hi",
              "--goal", "2", "--deadline", deadline, "--release", release,
              "--platforms", "mastodon"]  # fmt: skip
    posing = _cli(database, tmp_path, "campaign", "create", *fields, "--owner",
                  str(scene.ada.owner_id), "--token", scene.bob_token)  # fmt: skip
    assert posing.returncode == 2 and "is not the owner of this API token" in posing.stdout
    created = _cli(database, tmp_path, "campaign", "create", *fields, token_env=scene.bob_token)
    assert created.returncode == 0, created.stdout + created.stderr
    with runtime.db.session() as session:
        rows = session.exec(select(Campaign).where(Campaign.title == "Bob's blast")).all()
    assert [c.owner_id for c in rows] == [scene.bob.owner_id]
    nobody = _cli(database, tmp_path, "campaign", "create", *fields)
    assert nobody.returncode == 2 and "--token" in nobody.stdout
    _assert_untouched(runtime, scene, client)
