"""A wall-clock time typed in a time zone, turned into one UTC instant, or refused with words.

An owner types "2026-03-08 02:30" meaning their own clock. Twice a year that is not one instant:
when clocks jump forward the time does not exist (a gap), when they fall back it happens twice
(a fold). Python's zoneinfo silently picks one in both cases (PEP 495: `fold=0` is the first
occurrence, and a gap time takes the offset from before the change), so this module detects them
and says so instead:

- a gap is refused (`NonexistentTime`), naming the jump;
- a fold needs the owner's choice of the first or second occurrence (`AmbiguousTime` until one
  is given as `fold=0` or `fold=1`).

Detection follows PEP 495: a gap time does not survive the round trip to UTC and back; a fold
time does, but its two folds have different UTC offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from amplifier.errors import InvalidInput

MAX_ZONE_NAME = 64


class LocalTimeProblem(InvalidInput):
    """A typed time or zone that cannot be one instant; the message says what to do."""


class UnknownZone(LocalTimeProblem):
    pass


class NonexistentTime(LocalTimeProblem):
    pass


class AmbiguousTime(LocalTimeProblem):
    """The wall time happens twice; `choices` are the two instants, first then second."""

    def __init__(self, message: str, choices: tuple[datetime, datetime]) -> None:
        super().__init__(message)
        self.choices = choices


def zone_named(raw: str) -> ZoneInfo:
    """An IANA zone ("America/New_York", "UTC"), or `UnknownZone` saying what is expected."""
    name = raw.strip()
    if not name:
        raise UnknownZone(
            "Say which time zone these times are in, such as America/New_York, Europe/Paris or UTC."
        )
    try:
        if len(name) > MAX_ZONE_NAME or not name.isascii() or not name.isprintable():
            raise ValueError(name)
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError, OSError):
        raise UnknownZone(
            f"“{name[:MAX_ZONE_NAME]}” is not a time zone name; use one such as "
            "America/New_York, Europe/Paris or UTC."
        ) from None


def _offset(moment: datetime) -> str:
    """ "UTC-4", "UTC+5:30", "UTC"."""
    minutes = round((moment.utcoffset() or timedelta(0)).total_seconds() / 60)
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    hours, rest = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _clock(moment: datetime) -> str:
    return f"{moment:%H:%M} {moment.tzname()} ({_offset(moment)})"


def _change(lo: datetime, hi: datetime, zone: ZoneInfo) -> datetime:
    """The first UTC instant in (lo, hi] with hi's offset: when the clocks changed."""
    target = hi.astimezone(zone).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def at_wall_time(wall: datetime, zone: ZoneInfo, *, fold: int | None = None) -> datetime:
    """The UTC instant of naive `wall` in `zone`.

    Raises `NonexistentTime` for a time a DST change skips, and `AmbiguousTime` for one it
    repeats unless `fold` (0: the first, 1: the second occurrence) chooses.
    """
    if wall.tzinfo is not None:
        return wall.astimezone(UTC)
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    first_utc, second_utc = first.astimezone(UTC), second.astimezone(UTC)
    if first_utc == second_utc:
        return first_utc
    if first_utc.astimezone(zone).replace(tzinfo=None) != wall:
        lo, hi = sorted((first_utc, second_utc))
        change = _change(lo, hi, zone)
        was = lo.astimezone(zone)
        before = (change + (was.utcoffset() or timedelta(0))).replace(tzinfo=None)
        after = change.astimezone(zone)
        raise NonexistentTime(
            f"{wall:%Y-%m-%d %H:%M} does not exist in {zone.key}: that night the clocks jump "
            f"from {before:%H:%M} {was.tzname()} straight to {after:%H:%M} {after.tzname()}. "
            f"Choose a time before {before:%H:%M} or from {after:%H:%M} on."
        )
    if fold in (0, 1):
        return first_utc if fold == 0 else second_utc
    a, b = first_utc.astimezone(zone), second_utc.astimezone(zone)
    raise AmbiguousTime(
        f"{wall:%Y-%m-%d %H:%M} happens twice in {zone.key}, because the clocks go back that "
        f"night: first at {_clock(a)} = {first_utc:%H:%M} UTC, then at {_clock(b)} = "
        f"{second_utc:%H:%M} UTC. Choose which one you mean.",
        (first_utc, second_utc),
    )


@dataclass(frozen=True)
class Preview:
    """What a typed time means, for the words under the field before saving."""

    utc: datetime
    local: datetime

    def words(self) -> str:
        zone = self.local.tzinfo
        name = getattr(zone, "key", None) or self.local.tzname() or "UTC"
        return (
            f"= {self.utc:%a %d %b %Y, %H:%M} UTC · {self.local:%a %d %b %Y, %H:%M} "
            f"{self.local.tzname()} in {name}"
        )


def preview(wall: datetime, zone: ZoneInfo, *, fold: int | None = None) -> Preview:
    """`at_wall_time`, with the instant shown back in the zone (same errors)."""
    instant = at_wall_time(wall, zone, fold=fold)
    return Preview(utc=instant, local=instant.astimezone(zone))
