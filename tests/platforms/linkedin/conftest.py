"""A sandbox serving LinkedIn's emulator alone, on loopback, for this folder's tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from amplifier.sandbox import run_in_thread
from amplifier.sandbox.emulators import linkedin

from ..helpers import CLIENT_ID, CLIENT_SECRET, admin


@pytest.fixture(scope="session")
def linkedin_sandbox() -> Iterator[Any]:
    sb = run_in_thread(
        host="127.0.0.1",
        emulators=(linkedin.EMULATOR,),
        linkedin_port=0,
        linkedin_client_id=CLIENT_ID,
        linkedin_client_secret=CLIENT_SECRET,
    )
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def linkedin_url(linkedin_sandbox: Any) -> str:
    url = str(linkedin_sandbox.linkedin_url).rstrip("/")
    admin(url, "reset", {})
    return url
