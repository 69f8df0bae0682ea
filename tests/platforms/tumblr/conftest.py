"""A sandbox serving Tumblr's emulator alone, on loopback, for this folder's tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from amplifier.sandbox import run_in_thread
from amplifier.sandbox.emulators import tumblr

from ..helpers import CLIENT_ID, CLIENT_SECRET, admin


@pytest.fixture(scope="session")
def tumblr_sandbox() -> Iterator[Any]:
    sb = run_in_thread(
        host="127.0.0.1",
        emulators=(tumblr.EMULATOR,),
        tumblr_port=0,
        tumblr_client_id=CLIENT_ID,
        tumblr_client_secret=CLIENT_SECRET,
    )
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def tumblr_url(tumblr_sandbox: Any) -> str:
    url = str(tumblr_sandbox.tumblr_url).rstrip("/")
    admin(url, "reset", {})
    return url
