"""Row ids taken from an address: anything that is not a plausible id is simply no row.

Routes take the id as text and parse it here, so `/owner/campaigns/abc` or a 40-digit number is
the same 404 page as an id nobody has, never a validation error or a database refusal.
"""

from __future__ import annotations

MAX_ID = 2**31 - 1  # INTEGER columns (32-bit on PostgreSQL)


def path_id(raw: str) -> int | None:
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None
