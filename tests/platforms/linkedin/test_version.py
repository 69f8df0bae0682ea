"""The pinned `LinkedIn-Version`: inside LinkedIn's support window, and sent on every call.

LinkedIn supports each monthly version for at least a year, then answers 426
(https://learn.microsoft.com/en-us/linkedin/marketing/versioning). The first test fails once
the pinned version is a year old: raise `PINNED_VERSION` (settings.py) after reading the
migration guides.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from amplifier.platforms.base import Rejected
from amplifier.platforms.linkedin.adapter import MEMBER
from amplifier.platforms.linkedin.settings import PINNED_VERSION, LinkedInSettings

from .test_contract import connect, make
from .test_little_text import publish

SUPPORT_MONTHS = 12


def months_old(version: str, today: datetime) -> int:
    return (today.year * 12 + today.month) - (int(version[:4]) * 12 + int(version[4:]))


def test_the_pinned_version_is_inside_the_support_window() -> None:
    age = months_old(PINNED_VERSION, datetime.now(UTC))
    assert 0 <= age < SUPPORT_MONTHS, (
        f"LinkedIn-Version {PINNED_VERSION} is {age} months old: LinkedIn sunsets versions "
        f"after {SUPPORT_MONTHS} months; pin a newer one in platforms/linkedin/settings.py"
    )


def test_the_setting_takes_only_a_yyyymm_version() -> None:
    assert LinkedInSettings(_env_file=None).version == PINNED_VERSION  # type: ignore[call-arg]
    for bad in ("2026-07", "202613", "latest"):
        with pytest.raises(ValueError):
            LinkedInSettings(_env_file=None, version=bad)  # type: ignore[call-arg]


def test_a_sunset_version_is_refused_with_the_setting_to_change(linkedin_url: str) -> None:
    adapter = make(linkedin_url)
    tokens = connect(adapter, "cy")
    adapter.version = "202301"
    with pytest.raises(Rejected, match="AMPLIFIER_LINKEDIN_VERSION") as refused:
        publish(adapter, tokens, "Hello")
    assert refused.value.status == 426


@pytest.mark.parametrize(
    ("drop", "status"), [("LinkedIn-Version", 400), ("X-Restli-Protocol-Version", 400)]
)
def test_the_emulator_requires_both_headers(linkedin_url: str, drop: str, status: int) -> None:
    adapter = make(linkedin_url)
    tokens = connect(adapter, "di")
    headers = adapter.rest_headers(tokens.access_token)
    del headers[drop]
    answer = requests.post(
        f"{linkedin_url}/rest/posts",
        json=adapter.post_body(tokens.extras[MEMBER], "Hello"),
        headers=headers,
        timeout=5,
    )
    assert answer.status_code == status, answer.text
