"""Meta's usage headers read as a rate window for the release's limiter (ratewindows.py).

Meta announces no calls-left count, only how much of a budget is used, in percent
(https://developers.facebook.com/docs/graph-api/overview/rate-limiting):

- `X-App-Usage: {"call_count": 28, "total_time": 25, "total_cputime": 25}`: the app's own
  budget over a rolling hour, shared by every call the app makes (every worker's, every Page's);
  throttling (error 4) starts at 100.
- `X-Business-Use-Case-Usage: {"<id>": [{"type", "call_count", "total_cputime", "total_time",
  "estimated_time_to_regain_access"}]}`: one Page's (error 32) or one Threads profile's budget.
  amplifier sends one post per Page or profile, so these never bind a release: they are read
  only when a call is refused (answers.py turns `estimated_time_to_regain_access` into the
  RateLimited's retry time).

So only `X-App-Usage` paces, from `PACE_FROM` percent used: below it nothing is announced
(Meta's budget is far away; the declared budget paces the key). Meta does not say what one call
costs, so the parser learns it from the answers it reads: the rise of the percentage from one
answer to the next (answers of other workers in between make it larger: the estimate errs on
the slow side). The window it announces is Meta's rolling hour as calls: `100 / step` calls,
`(100 - used) / step` of them left, until an hour from now; with no step learnt yet, one call
is left (its answer teaches the step). At 100 nothing is left: the release waits instead of
collecting error 4 for every post.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from ..ratewindows import Parser, RateWindow

APP_USAGE = "X-App-Usage"
PACE_FROM = 80  # percent of the app's budget used, from which its answers pace the release
ROLLING_HOUR = timedelta(hours=1)


def used_percent(raw: str | None) -> int | None:
    """The largest of `X-App-Usage`'s percentages (0-100), or None when it says nothing."""
    if not raw:
        return None
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    values = [
        v
        for k in ("call_count", "total_cputime", "total_time")
        if isinstance(v := parsed.get(k), int | float) and not isinstance(v, bool)
    ]
    return min(100, max(0, int(max(values)))) if values else None


def app_usage_windows() -> Parser:
    """A parser of `X-App-Usage` remembering the step of the answers it read (one adapter's)."""
    seen: dict[str, int] = {}

    def parse(status: int, headers: Mapping[str, str]) -> list[RateWindow]:
        used = used_percent(headers.get(APP_USAGE))
        if used is None:
            return []
        before = seen.get("used")
        seen["used"] = used
        if before is not None and used > before:
            seen["step"] = used - before
        if used < PACE_FROM:
            return []
        step = seen.get("step")
        reset = datetime.now(UTC) + ROLLING_HOUR
        if step is None:  # nothing learnt yet: one more call, whose answer tells
            return [RateWindow("app-usage", 1, 1 if used < 100 else 0, reset, True, used >= 100)]
        left = (100 - used) // step
        return [RateWindow("app-usage", max(1, 100 // step), left, reset, True, left == 0)]

    return parse
