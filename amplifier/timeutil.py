"""Times are UTC and timezone-aware everywhere inside amplifier; this module says so once."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are refused at the edges; this only normalises aware ones to UTC."""
    if value.tzinfo is None:
        raise ValueError("a timezone is required (for example 2026-12-01T18:00:00+01:00)")
    return value.astimezone(UTC)
