"""LinkedIn's 60 days: connections that cannot be renewed, the owner warned, the supporter asked.

A self-serve LinkedIn token lasts 60 days and comes without a refresh token. The owner hears at
creation when T is further away than ~55 days; a connection that would end before T is dead for
the release (the preflight asks its supporter to reconnect); and the adapter's refresh says
"connect again" rather than pretending to renew.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from amplifier.platforms.base import AuthExpired
from amplifier.platforms.connection_lifetime import ends_before_release, lifetime_warnings

from .test_contract import connect, make

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_the_owner_is_warned_when_t_is_more_than_55_days_away() -> None:
    [warning] = lifetime_warnings(["x", "linkedin"], now=NOW, release_at=NOW + timedelta(days=70))
    assert "LinkedIn connections last 60 days" in warning
    assert "70 days away" in warning
    assert "before 2026-12-16 12:00 UTC" in warning  # T - 55 days: those pledges reconnect


@pytest.mark.parametrize("days", [10, 55])
def test_no_warning_within_55_days(days: int) -> None:
    assert lifetime_warnings(["linkedin"], now=NOW, release_at=NOW + timedelta(days=days)) == []


def test_a_connection_ending_before_t_must_reconnect() -> None:
    release = NOW + timedelta(days=3)
    why = ends_before_release(
        "linkedin", expires_at=NOW + timedelta(days=2), refreshable=False, release_at=release
    )
    assert why is not None and "connect the account again" in why
    assert (
        ends_before_release(
            "linkedin", expires_at=NOW + timedelta(days=4), refreshable=False, release_at=release
        )
        is None
    )
    assert (
        ends_before_release(  # a partner app's refresh token renews it
            "linkedin", expires_at=NOW + timedelta(days=2), refreshable=True, release_at=release
        )
        is None
    )
    assert (
        ends_before_release(  # platforms that renew are not asked
            "x", expires_at=NOW + timedelta(days=2), refreshable=False, release_at=release
        )
        is None
    )


def test_refresh_cannot_renew_a_connection_at_its_end(linkedin_url: str) -> None:
    adapter = make(linkedin_url)
    tokens = connect(adapter, "eve")
    assert tokens.refresh_token is None
    assert tokens.expires_at is not None
    lasts = tokens.expires_at - datetime.now(UTC)
    assert timedelta(days=59, hours=23) < lasts <= timedelta(days=60)
    assert adapter.refresh(tokens) == tokens  # alive: nothing to do
    ending = dataclasses.replace(tokens, expires_at=datetime.now(UTC) + timedelta(minutes=5))
    with pytest.raises(AuthExpired, match="connect the account again"):
        adapter.refresh(ending)
