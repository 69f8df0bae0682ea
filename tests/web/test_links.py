"""Only http(s) links leave amplifier, whatever a platform answered.

A hostile Mastodon server answered a post's URL as `javascript:…` and the report API passed it
through. The address is judged where it enters (the adapter's answer) and again where it leaves
(the report API, the supporter's pages, the CLI's `campaign show`), so a row stored before the
rule cannot slip out either; templates build no href from an outside address without the
`web_link` filter.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from amplifier.links import web_link
from amplifier.models import Delivery, DeliveryStatus, Pledge
from amplifier.platforms.base import TokenSet
from amplifier.platforms.mastodon import MastodonAdapter
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.pages import manage_path
from tests import factories
from tests.conftest import LiveWeb
from tests.factories import add_pledge

HOSTILE = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "/relative/path",
    "https://evil.example/\x1b[31mred",
    "https://evil.example/\u202egnp.exe",
    "https://evil.example/" + "a" * 600,
    "https://[::1",
    "http:///no-host",
    "https://evil.example/a b",
    'https://evil.example/"onmouseover="alert(1)',
    "[red]https://evil.example[/red]",
]


class _HostileMastodon(BaseHTTPRequestHandler):
    """Answers like a Mastodon server, with whatever URL the test puts in `url`."""

    url = "javascript:alert(1)"

    def _answer(self, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer({"id": "109", "url": self.url, "uri": self.url})

    def do_GET(self) -> None:
        self._answer({"id": "7", "username": "me", "acct": "me", "display_name": "Me",
                      "followers_count": 3, "url": self.url})  # fmt: skip

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def hostile_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileMastodon)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_servers_post_and_profile_urls_never_enter(
    hostile_server: str, hostile: str
) -> None:
    _HostileMastodon.url = hostile
    adapter = MastodonAdapter(
        instance_url=hostile_server, client_id="c", client_secret="s", public_only=False
    )
    tokens = TokenSet(access_token="t")
    posted = adapter.publish(tokens, "hello", idempotency_key="k1")
    assert posted.remote_id == "109" and posted.url is None

    async def post_async() -> str | None:
        async with adapter.async_session(limit=2) as session:
            found = await adapter.publish_async(session, tokens, "hello", idempotency_key="k2")
            return found.url

    assert asyncio.run(post_async()) is None
    assert adapter.profile(tokens).profile_url == ""


def test_an_ordinary_post_url_is_kept(hostile_server: str) -> None:
    _HostileMastodon.url = f"{hostile_server}/@me/109"
    adapter = MastodonAdapter(
        instance_url=hostile_server, client_id="c", client_secret="s", public_only=False
    )
    assert adapter.publish(TokenSet(access_token="t"), "hi", idempotency_key="k").url == (
        f"{hostile_server}/@me/109"
    )


def _released_with(rt: Runtime, urls: list[str]) -> tuple[int, str, list[int]]:
    """A campaign whose posts are stored with these URLs (as rows written before the rule)."""
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(session, owner.owner.id)
        assert campaign.id is not None
        pledge_ids = []
        for n, url in enumerate(urls):
            pledge_id = add_pledge(session, campaign, n)
            session.add(
                Delivery(
                    pledge_id=pledge_id,
                    campaign_id=campaign.id,
                    status=DeliveryStatus.POSTED,
                    remote_id=str(n),
                    remote_url=url,
                    finished_at=utcnow(),
                )
            )
            pledge_ids.append(pledge_id)
        pledge = session.get(Pledge, pledge_ids[0])
        assert pledge is not None
        return campaign.id, owner.token, pledge_ids


def test_stored_hostile_urls_never_leave(web: LiveWeb, runtime: Runtime, tmp_path: Path) -> None:
    good = "https://mastodon.example/@me/1"
    stored = [url for url in HOSTILE if len(url) <= 500]  # what the column could hold
    campaign_id, token, pledge_ids = _released_with(runtime, [*stored, good])
    with runtime.db.session() as session:  # a hostile server's handle and error text, too
        pledge = session.get(Pledge, pledge_ids[0])
        assert pledge is not None
        pledge.handle = "@me\x1b]0;owned\x07\x1b[2J"
        session.add(pledge)
    report = requests.get(
        f"{web.url}/api/campaigns/{campaign_id}/report",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()
    assert [p["url"] for p in report["posts"]] == [None] * len(stored) + [good]

    for pledge_id in pledge_ids:
        for suffix in ("", "/data"):
            page = requests.get(f"{web.url}{manage_path(runtime, pledge_id)}{suffix}", timeout=30)
            assert page.status_code == 200
            post_links = re.findall(r'id="post-link" href="([^"]*)"', page.text)
            assert all(link == good for link in post_links), post_links
            assert "javascript:" not in page.text.lower() and "evil.example" not in page.text

    env = {**os.environ, "AMPLIFIER_DATABASE_URL": runtime.db.url, "COLUMNS": "300",
           "AMPLIFIER_DATA_DIR": str(tmp_path)}  # fmt: skip
    shown = subprocess.run(
        [sys.executable, "-m", "amplifier", "campaign", "show", str(campaign_id)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert good in shown.stdout, shown.stdout
    assert "javascript" not in shown.stdout.lower() and "evil.example" not in shown.stdout
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout


# Addresses amplifier makes itself (from its settings or the request's own path).
_OWN_ADDRESSES = {"action", "back_url", "campaign_url", "csv_url", "data_url", "delete_action",
                  "image.url", "intent_url", "link.href", "manage_url", "page_url",
                  "public.signup_url", "reconsent_action"}  # fmt: skip


def test_templates_build_no_href_from_an_outside_address_unfiltered() -> None:
    templates = Path(__file__).parents[2] / "amplifier" / "web" / "templates"
    for path in templates.rglob("*.html"):
        for attribute in re.findall(r'(?:href|src|action)="([^"]*)"', path.read_text()):
            for expression in re.findall(r"\{\{\s*(.*?)\s*\}\}", attribute):
                if attribute.startswith("/") and not attribute.startswith("//"):
                    continue  # a path on this site: the expression only fills a segment
                assert expression in _OWN_ADDRESSES or expression.endswith("| web_link"), (
                    f"{path.name}: {attribute!r} builds an href from {expression!r}: pass an "
                    "address from outside through the web_link filter"
                )


@pytest.mark.parametrize("url", HOSTILE)
def test_the_rule_refuses_each_hostile_form(url: str) -> None:
    assert web_link(url) is None
