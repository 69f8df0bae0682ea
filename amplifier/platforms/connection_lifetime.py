"""Connections that end on a date and cannot be renewed (a platform's `connection_lifetime`).

Why: some platforms (LinkedIn's self-serve apps) give an access token for a fixed time and no
refresh token. A supporter who pledges longer than that before the release would reach T with a
dead connection and, unless asked in time, not be posted. So:

- the owner is told at creation, in days, when T lies further away than a pledge's connection
  lasts (`lifetime_warnings`, added to the campaign's capacity warnings);
- the preflight before T (notify/preflight.py) finds each pledge whose connection ends before
  the release (`ends_before_release`) and asks its supporter to reconnect, as it does for a
  revoked connection (their manage page shows it; a receipt mail says it).

The platform is never named here: its declaration says how long its connections last.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from amplifier.platforms.registry import PLATFORMS

# Ask well before the end: a pledge older than lifetime - MARGIN at T is asked to reconnect.
MARGIN = timedelta(days=5)


def lifetime_warnings(
    platforms: Iterable[str], *, now: datetime, release_at: datetime
) -> list[str]:
    """A sentence per chosen platform whose connections do not last until T from now."""
    warnings: list[str] = []
    for name in platforms:
        found = PLATFORMS.get(name)
        life = found.connection_lifetime if found is not None else None
        if found is None or life is None:
            continue
        safe = life - MARGIN
        if release_at - now <= safe:
            continue
        cutoff = release_at - safe
        warnings.append(
            f"{found.label} connections last {life.days} days and cannot be renewed, and the "
            f"release is {(release_at - now).days} days away: supporters who pledge on "
            f"{found.label} before {cutoff:%Y-%m-%d %H:%M} UTC will be asked, before the "
            "release, to connect their account again (on their manage page, and by mail if "
            "they gave an address); those who do not reconnect will not be posted."
        )
    return warnings


def ends_before_release(
    platform: str,
    *,
    expires_at: datetime | None,
    refreshable: bool,
    release_at: datetime,
) -> str | None:
    """Why this pledge must reconnect before T (its connection ends first), or None."""
    found = PLATFORMS.get(platform)
    if found is None or found.connection_lifetime is None or refreshable:
        return None
    if expires_at is None or expires_at > release_at + timedelta(minutes=10):
        return None
    return (
        f"this {found.label} connection ends on {expires_at:%Y-%m-%d %H:%M} UTC, before the "
        f"release, and {found.label} connections cannot be renewed: connect the account again "
        "to be posted"
    )
