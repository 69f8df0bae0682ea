"""Facebook Pages' emulator from the folder above's sandbox, reset for each test."""

from __future__ import annotations

from typing import Any

import pytest

from ..helpers import admin


@pytest.fixture
def facebook_pages_url(sandbox: Any) -> str:
    url = str(sandbox.facebook_pages_url).rstrip("/")
    admin(url, "reset", {})
    return url
