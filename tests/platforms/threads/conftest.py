"""Threads' emulator from the folder above's sandbox, reset for each test; and a small web
server on loopback standing for the deployment's public address (Threads fetches images)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.factories.sites import PublicSite, public_site_serving

from ..helpers import admin


@pytest.fixture
def threads_url(sandbox: Any) -> str:
    url = str(sandbox.threads_url).rstrip("/")
    admin(url, "reset", {})
    return url


@pytest.fixture
def public_site() -> Iterator[PublicSite]:
    with public_site_serving() as site:
        yield site
