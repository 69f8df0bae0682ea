"""Graph API answers as Meta documents them, for the Facebook Pages and Threads emulators' routes.

- Errors (https://developers.facebook.com/docs/graph-api/guides/error-handling): an object
  ``{"error": {"message", "type", "code", "error_subcode", "is_transient", "fbtrace_id"}}``;
  190 an invalid or expired token, 4/17/32/613 throttling, 200-299 a permission, 368 a
  temporary block, 506 a duplicate post, 1/2 a temporary problem.
- Usage (https://developers.facebook.com/docs/graph-api/overview/rate-limiting): calls made with
  a Page's or a Threads profile's token carry ``X-Business-Use-Case-Usage``, a JSON object keyed
  by that Page's or profile's id listing
  ``{"type", "call_count", "total_cputime", "total_time", "estimated_time_to_regain_access"}``
  (percentages, and minutes until calls are allowed again).
"""

from __future__ import annotations

import json
import math
import secrets
import time
from typing import Any

from aiohttp import web

from amplifier.sandbox.kit.dialect import RateHeaders
from amplifier.sandbox.kit.web_util import json_response

# The kit counts windows under these names; they are turned into Meta's usage header and never
# leave the emulator.
WINDOW = RateHeaders("sandbox-window-limit", "sandbox-window-remaining", "sandbox-window-reset")
BUC_HEADER = "X-Business-Use-Case-Usage"
# The app-wide window (the faults' app_limit per app_window_s; none by default), turned into
# ``X-App-Usage``: the app's use of its budget, in percent (error 4 at 100).
APP_WINDOW = RateHeaders("sandbox-app-limit", "sandbox-app-remaining", "sandbox-app-reset")
APP_HEADER = "X-App-Usage"


def app_usage_header(headers: dict[str, str]) -> dict[str, str]:
    """The kit's app-window headers turned into Meta's ``X-App-Usage`` (percentages)."""
    limit = _int(headers.pop(APP_WINDOW.limit, None))
    remaining = _int(headers.pop(APP_WINDOW.remaining, None))
    headers.pop(APP_WINDOW.reset, None)
    if limit is None or remaining is None or limit <= 0:
        return headers
    used = min(100, math.ceil(100 * (limit - remaining) / limit))
    headers[APP_HEADER] = json.dumps({"call_count": used, "total_cputime": 1, "total_time": 1})
    return headers


def app_spent(headers: dict[str, str]) -> bool:
    """Whether the app-wide window is the one that ran out (before app_usage_header)."""
    return headers.get(APP_WINDOW.remaining) == "0"


def error(
    status: int,
    code: int,
    message: str,
    *,
    subcode: int | None = None,
    kind: str = "OAuthException",
    transient: bool = False,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body: dict[str, Any] = {
        "message": message,
        "type": kind,
        "code": code,
        "is_transient": transient,
        "fbtrace_id": secrets.token_urlsafe(8),
    }
    if subcode is not None:
        body["error_subcode"] = subcode
    return json_response({"error": body}, status, headers)


def usage_headers(headers: dict[str, str], owner_id: str, *, kind: str) -> dict[str, str]:
    """The kit's window headers turned into Meta's usage header for `owner_id` (a Page or a
    Threads profile)."""
    limit = _int(headers.pop(WINDOW.limit, None))
    remaining = _int(headers.pop(WINDOW.remaining, None))
    reset = _int(headers.pop(WINDOW.reset, None))
    if limit is None or remaining is None or limit <= 0:
        return headers
    used = min(100, math.ceil(100 * (limit - remaining) / limit))
    regain = 0
    if remaining <= 0 and reset is not None:
        regain = max(1, math.ceil((reset - time.time()) / 60))
    entry = {
        "type": kind,
        "call_count": used,
        "total_cputime": 1,
        "total_time": 1,
        "estimated_time_to_regain_access": regain,
    }
    headers[BUC_HEADER] = json.dumps({owner_id: [entry]})
    return headers


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
