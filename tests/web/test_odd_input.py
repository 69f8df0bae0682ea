"""Input a database cannot store (PostgreSQL refuses NUL in text) or an id beyond any column is
answered 4xx with a message, on the pages and on the API, never 500."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from amplifier.models import Campaign
from tests import factories


def test_nul_characters_are_refused_not_500(
    client: TestClient, campaign: Campaign, owner_token: str
) -> None:
    auth = {"Authorization": f"Bearer {owner_token}"}
    created = client.post("/api/campaigns", json=factories.payload(title="a\x00b"), headers=auth)
    assert created.status_code == 422, created.text  # on SQLite as on PostgreSQL
    assert "title: character 2 is U+0000 (NUL)" in created.json()["message"]
    for url in ("/c/a%00b", "/c/a%00b/pledge", "/oauth/x/callback?state=a%00b&code=1"):
        answer = client.get(url, follow_redirects=False)
        assert answer.status_code < 500 and "<h1>" in answer.text, url
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/c/{campaign.slug}").text)
    assert token is not None
    for form, url in (
        ({"state": "a\x00b"}, "/pledge/confirm"),
        ({"platform": "x\x00"}, f"/c/{campaign.slug}/pledge"),
        ({"platform": "mastodon", "instance": "a\x00.social"}, f"/c/{campaign.slug}/pledge"),
    ):
        answer = client.post(url, data={**form, "csrf": token.group(1)}, follow_redirects=False)
        assert answer.status_code < 500 and "<h1>" in answer.text, (url, form)


def test_ids_beyond_any_column_are_404(client: TestClient, owner_token: str) -> None:
    auth = {"Authorization": f"Bearer {owner_token}"}
    for campaign_id in (2**31, 2**63, 10**30, 0, -1):
        for path in (f"/api/campaigns/{campaign_id}", f"/api/campaigns/{campaign_id}/report"):
            answer = client.get(path, headers=auth)
            assert answer.status_code == 404, (path, answer.text)
        cancel = client.post(f"/api/campaigns/{campaign_id}/cancel", headers=auth)
        assert cancel.status_code == 404
    for path in (f"/p/{2**31}/x", f"/p/{10**17}/abc"):
        assert client.get(path).status_code == 404
