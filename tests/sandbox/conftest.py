"""One sandbox for the whole package, reset before each test.

Everything goes over real HTTP with ``requests``, never through amplifier's adapters.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from amplifier.sandbox import RunningSandbox, run_in_thread

from .helpers import X_CLIENT_ID, X_CLIENT_SECRET


@pytest.fixture(scope="session")
def sandbox() -> Iterator[RunningSandbox]:
    with run_in_thread(
        host="127.0.0.1",
        x_port=0,
        mastodon_ports=(0, 0),
        latency_ms=0,
        x_client_id=X_CLIENT_ID,
        x_client_secret=X_CLIENT_SECRET,
        x_token_ttl=7200,
    ) as sb:
        yield sb


@pytest.fixture(autouse=True)
def _reset(sandbox: RunningSandbox) -> None:
    for url in [sandbox.x_url, *sandbox.mastodon_urls]:
        requests.post(f"{url}/_sandbox/reset", timeout=5).raise_for_status()


@pytest.fixture
def x_url(sandbox: RunningSandbox) -> str:
    return sandbox.x_url


@pytest.fixture
def masto_url(sandbox: RunningSandbox) -> str:
    return sandbox.mastodon_urls[0]
