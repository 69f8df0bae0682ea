"""The sandbox's consent screens name the app as its platform would: by the name it was
registered under, never "App 1a2b3c4d" (the fresh-user trial read that on X, LinkedIn and Tumblr).
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import requests

from amplifier.sandbox import RunningSandbox, run_in_thread

from ..helpers import REDIRECT_URI, X_CLIENT_ID, pkce_pair, x_authorize_url


def _consent_page(sandbox: RunningSandbox, platform: str) -> str:
    base = getattr(sandbox, f"{platform}_url")
    client_id = getattr(sandbox, f"{platform}_client_id")  # announced on the ready line
    path, scope = {
        "linkedin": ("/oauth/v2/authorization", "openid profile w_member_social"),
        "tumblr": ("/oauth2/authorize", "basic write offline_access"),
        "facebook_pages": ("/v24.0/dialog/oauth", "pages_show_list,pages_manage_posts"),
        "threads": ("/oauth/authorize", "threads_basic,threads_content_publish"),
    }[platform]
    query = {
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "state": "s1",
        "scope": scope,
    }
    page = requests.get(f"{base}{path}?{urlencode(query)}", timeout=5)
    assert page.status_code == 200, page.text[:300]
    return page.text


@pytest.mark.parametrize("platform", ["linkedin", "tumblr", "facebook_pages", "threads"])
def test_a_registered_apps_consent_screen_shows_its_name(
    sandbox: RunningSandbox, platform: str
) -> None:
    html = _consent_page(sandbox, platform)
    assert "<strong>amplifier (sandbox)</strong> wants to post on your behalf" in html
    assert "App " not in html


def test_x_shows_the_name_it_was_given() -> None:
    with run_in_thread(
        host="127.0.0.1", x_port=0, mastodon_ports=(), x_client_id=X_CLIENT_ID,
        x_app_name="Meadow Campaigns",
    ) as sandbox:  # fmt: skip
        _, challenge = pkce_pair()
        html = requests.get(x_authorize_url(sandbox.x_url, challenge, "s1"), timeout=5).text
    assert "<strong>Meadow Campaigns</strong> wants to post on your behalf" in html
    assert "App " not in html
