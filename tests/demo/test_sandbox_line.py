"""The line `amplifier demo` and `amplifier up --sandbox` print says where every platform's
emulator listens: a newcomer found only X and Mastodon named while seven ran."""

from __future__ import annotations

import requests

from amplifier.demo.stack import sandbox_hosts
from amplifier.platforms.registry import PLATFORMS
from amplifier.sandbox.server import RunningSandbox


def test_every_platform_is_named_with_an_address_that_answers(sandbox: RunningSandbox) -> None:
    line = sandbox_hosts(sandbox.announced)
    for name, found in PLATFORMS.items():
        assert found.label in line, f"{name} is missing from {line!r}"
        for url in sandbox.urls(name):
            assert url in line
            assert requests.get(f"{url}/_sandbox/posts", timeout=10).status_code == 200
    domains = [v for k, v in sandbox.announced.items() if k.endswith("_handle_domain")]
    assert domains and all(f"handles NAME.{d}" in line for d in domains)
