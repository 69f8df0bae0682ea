"""A sandbox (the platform emulator) on loopback, shared by the adapter tests of this folder.

The adapters are exercised over real HTTP exactly as against the real services: only their base
URLs point at the sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .helpers import CLIENT_ID, CLIENT_SECRET, admin


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Any]:
    sandbox_module = pytest.importorskip("amplifier.sandbox")
    run_in_thread = getattr(sandbox_module, "run_in_thread", None)
    if run_in_thread is None:
        pytest.skip("amplifier.sandbox.run_in_thread is not available yet")
    sb = run_in_thread(
        host="127.0.0.1",
        x_port=0,
        mastodon_ports=(0,),
        latency_ms=0,
        x_client_id=CLIENT_ID,
        x_client_secret=CLIENT_SECRET,
        x_token_ttl=7200,
    )
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def x_url(sandbox: Any) -> str:
    url = str(sandbox.x_url).rstrip("/")
    admin(url, "reset", {})
    return url


@pytest.fixture
def mastodon_url(sandbox: Any) -> str:
    url = str(sandbox.mastodon_urls[0]).rstrip("/")
    admin(url, "reset", {})
    return url
