"""A supporter or owner reads why a server failed in words, never an exception's class name.

The previous trial found `could not reach Mastodon: ConnectionError` and `(ReadTimeout)` on the
pledge form and in reasons. These tests make real failures — a dropped connection from a sandbox
Mastodon host, a refused port, a name that does not resolve, a server that never answers — and
read what the page, or the reason the engine records, says.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import requests

from amplifier.db import Database
from amplifier.demo.browser import form_token
from amplifier.failure_words import network_words
from amplifier.platforms._aio import async_network_error
from amplifier.platforms._http import network_error
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from tests import factories
from tests.conftest import LiveWeb, make_settings

from .helpers import admin

# A class name as Python spells it (ConnectionError, ReadTimeout, ClientConnectorError, …)
CLASS_NAME = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+(?:Error|Timeout|Exception)?\b")


@pytest.fixture
def live(tmp_path: Path, database: Database, sandbox: RunningSandbox) -> Iterator[LiveWeb]:
    rt = Runtime.from_settings(make_settings(tmp_path, database.url, sandbox, platform_timeout_s=3))
    rt.db.dispose()
    rt.db = database
    web = LiveWeb(rt)
    web.runtime = rt  # type: ignore[attr-defined]
    yield web
    web.stop()


def test_a_server_that_drops_the_connection_is_told_in_words(
    live: LiveWeb, sandbox: RunningSandbox
) -> None:
    hostile = sandbox.mastodon_urls[-1]
    admin(
        hostile, "faults", {"answer_fault": "drop_before", "answer_fault_next": 10, "scope": "all"}
    )
    try:
        with live.runtime.db.session() as session:  # type: ignore[attr-defined]
            owner = factories.owner(session)
            assert owner.owner.id is not None
            slug = factories.campaign(session, owner.owner.id, platforms=["mastodon"]).slug
        browser = requests.Session()
        page = browser.get(f"{live.url}/c/{slug}", timeout=30)
        answer = browser.post(
            f"{live.url}/c/{slug}/pledge",
            data={"platform": "mastodon", "instance": hostile, "csrf": form_token(page)},
            allow_redirects=False,
            timeout=60,
        )
    finally:
        admin(hostile, "reset", {})
    assert answer.status_code in (422, 502), answer.text[:500]
    error = re.search(r'id="instance-error-mastodon" role="alert">([^<]*)<', answer.text)
    assert error is not None, answer.text[:2000]
    words = error.group(1)
    assert "the connection was cut off" in words
    assert not CLASS_NAME.search(words.replace("Mastodon", "")), words


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers: a read times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


def _requests_failure(url: str, timeout: float = 1.0) -> requests.RequestException:
    try:
        requests.get(url, timeout=timeout)
    except requests.RequestException as exc:
        return exc
    raise AssertionError(f"{url} answered")


def test_blocking_calls_give_reasons_in_words(silent_server: str) -> None:
    refused = network_error(
        _requests_failure(f"http://127.0.0.1:{_closed_port()}/"), write=False, platform="Mastodon"
    )
    assert str(refused) == "could not reach Mastodon: the server refused the connection"
    unknown = network_error(
        _requests_failure("http://no-such-host.invalid/"), write=False, platform="Mastodon"
    )
    assert str(unknown) == "could not reach Mastodon: the server's name was not found"
    silent = network_error(_requests_failure(silent_server), write=True, platform="Mastodon")
    assert str(silent).startswith(
        "Mastodon did not answer after the post was sent (the answer took too long)"
    )
    assert "ReadTimeout" not in str(silent)


def test_concurrent_calls_give_reasons_in_words(silent_server: str) -> None:
    async def failure(url: str) -> BaseException:
        timeout = aiohttp.ClientTimeout(sock_read=1.0, sock_connect=1.0)
        async with aiohttp.ClientSession(timeout=timeout) as client:
            try:
                async with client.get(url) as answer:
                    await answer.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                return exc
        raise AssertionError(f"{url} answered")

    refused = asyncio.run(failure(f"http://127.0.0.1:{_closed_port()}/"))
    assert str(async_network_error(refused, write=False, platform="Bluesky")) == (
        "could not reach Bluesky: the server refused the connection"
    )
    silent = asyncio.run(failure(silent_server))
    reason = str(async_network_error(silent, write=False, platform="Bluesky"))
    assert reason == "could not get an answer from Bluesky: the answer took too long"


def test_an_unknown_failure_still_reads_as_words() -> None:
    assert network_words(RuntimeError("boom")) == "the network connection failed"
