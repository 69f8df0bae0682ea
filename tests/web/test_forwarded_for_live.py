"""Whom the rate limits count, with the app started exactly as `amplifier web` starts it.

uvicorn believes X-Forwarded-For from loopback by default and rewrites the client address before
amplifier sees it, so forged addresses from the same host each got a fresh budget: 13 failed
logins, never a 429. The only rule must be amplifier's own: a forwarded address counts only when
the peer is listed in AMPLIFIER_WEB_TRUSTED_PROXIES. These tests run the real `amplifier web`
process (the one `amplifier up`, the demo and the Procfile run) and log in over HTTP.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from amplifier.crypto import generate_fernet_key, new_secret
from amplifier.db import upgrade
from amplifier.supervisor import Stack, free_port, wait_for_http, web_argv

LOGIN_LIMIT = 10  # AMPLIFIER_RATE_LOGIN_PER_MIN's default


def _start_web(tmp_path: Path, *, trusted: str) -> Iterator[str]:
    database = f"sqlite:///{tmp_path / 'amplifier.sqlite3'}"
    upgrade(database)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMPLIFIER_")}
    env.update(
        AMPLIFIER_ENV="development",
        AMPLIFIER_DATA_DIR=str(tmp_path),
        AMPLIFIER_DATABASE_URL=database,
        AMPLIFIER_TOKEN_KEYS=generate_fernet_key(),
        AMPLIFIER_SIGNING_KEY=new_secret(16),
        AMPLIFIER_PUBLIC_URL=f"http://127.0.0.1:{port}",
        AMPLIFIER_WEB_TRUSTED_PROXIES=trusted,
        # development exempts loopback by default; the test client is on loopback
        AMPLIFIER_WEB_RATE_LIMIT_EXEMPT="",
        AMPLIFIER_LOG_LEVEL="WARNING",
    )
    with Stack(tmp_path / "logs") as stack:
        web = stack.start("web", web_argv("127.0.0.1", port), env=env)
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/healthz", 60, web)
        yield url


@pytest.fixture
def web_without_proxy(tmp_path: Path) -> Iterator[str]:
    yield from _start_web(tmp_path, trusted="")


@pytest.fixture
def web_behind_loopback_proxy(tmp_path: Path) -> Iterator[str]:
    yield from _start_web(tmp_path, trusted="127.0.0.1")


def _login_form(url: str) -> tuple[requests.Session, str]:
    """A browser holding the login page's CSRF cookie, and the form's token."""
    browser = requests.Session()
    form = browser.get(f"{url}/login", timeout=30)
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None, form.text
    return browser, token[1]


def _failed_logins(url: str, forwarded_for: list[str]) -> list[requests.Response]:
    browser, token = _login_form(url)
    wrong = {"email": "nobody@example.org", "password": "not the password", "csrf": token}
    return [
        browser.post(
            f"{url}/login",
            data=wrong,
            headers={"X-Forwarded-For": address},
            allow_redirects=False,
            timeout=30,
        )
        for address in forwarded_for
    ]


def test_forged_forwarded_for_from_loopback_meets_the_login_limit(web_without_proxy: str) -> None:
    forged = [f"198.51.100.{n}" for n in range(1, 14)]
    answers = _failed_logins(web_without_proxy, forged)
    statuses = [a.status_code for a in answers]
    # one address's budget: a burst of 10, then one every 6 s (a slow machine may earn one more)
    assert 429 in statuses and 429 not in statuses[:LOGIN_LIMIT], statuses
    refused = answers[statuses.index(429)]
    assert "Try again in" in refused.text and refused.headers["Retry-After"].isdigit()


def test_a_configured_proxy_is_believed_hop_by_hop(web_behind_loopback_proxy: str) -> None:
    url = web_behind_loopback_proxy
    spread = [a.status_code for a in _failed_logins(url, [f"198.51.100.{n}" for n in range(1, 14)])]
    assert 429 not in spread, spread  # thirteen clients behind the proxy, one try each
    one_client = [a.status_code for a in _failed_logins(url, ["192.0.2.1"] * 13)]
    assert 429 in one_client and 429 not in one_client[:LOGIN_LIMIT], one_client
