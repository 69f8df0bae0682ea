"""What Tumblr's answers mean: the one translation its sync and async calls share.

Tumblr API v2 (https://www.tumblr.com/docs/en/api/v2): every answer is JSON,
`{"meta": {"status", "msg"}, "response": …}`, errors with `"errors": [{"title", "code",
"detail"}]`. Rate limits ("Rate Limits"): 429 "Limit Exceeded"; the app key's windows are
announced in `X-Ratelimit-Perhour-Limit|Remaining|Reset` and `X-Ratelimit-Perday-*`, the reset
in seconds from now (a value that looks like an epoch time is read as one).

    2xx with a JSON object            success
    2xx cut short / not JSON          a post: created, unreadable → OutcomeUnknown (look on the
                                      blog); a read: Transient
    401 (JSON or not)                 AuthExpired
    429 (JSON or not)                 RateLimited until the spent window's reset, else
                                      Retry-After
    403 not from Tumblr (HTML…)       Transient: something in front of the API refused it
    408, 503                          Transient
    other 5xx                         a post: OutcomeUnknown; a read: Transient
    other 4xx                         Rejected, with Tumblr's words
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from .._answers import LOOKUP_CAP, POST_CAP, PROFILE_CAP, TOKEN_CAP, Answer, first_text
from ..base import AuthExpired, OutcomeUnknown, PlatformError, RateLimited, Rejected, Transient
from ..ratewindows import RateWindow

TOKEN_PATH = "/v2/oauth2/token"
WINDOWS = (("perhour", "X-Ratelimit-Perhour"), ("perday", "X-Ratelimit-Perday"))
_EPOCH_FROM = 10**9  # a "reset" this large is a moment, not a number of seconds


def is_post_path(path: str) -> bool:
    return path.startswith("/v2/blog/") and path.endswith("/posts")


class TokenRefused(Rejected):
    """Tumblr's token endpoint refused the grant; `error` is its OAuth code."""

    def __init__(self, message: str, *, status: int, error: str) -> None:
        super().__init__(message, status=status)
        self.error = error


class TumblrAnswers:
    """The AnswerPolicy of Tumblr's API host (see `_http.AnswerPolicy`)."""

    def cap(self, path: str) -> int:
        if path.endswith(TOKEN_PATH):
            return TOKEN_CAP
        if is_post_path(path):
            return LOOKUP_CAP  # a POST's answer is small; a GET is a page of posts
        if path.endswith("/user/info"):
            return PROFILE_CAP
        return POST_CAP

    def check(self, answer: Answer, *, method: str, path: str) -> None:
        if path.endswith(TOKEN_PATH):
            error = token_error(answer)
        else:
            error = api_error(answer, write=method == "POST" and is_post_path(path))
        if error is not None:
            raise error


ANSWERS = TumblrAnswers()


def _said(body: Mapping[str, Any] | None, answer: Answer) -> str:
    errors = (body or {}).get("errors")
    if isinstance(errors, list):
        for item in errors:
            if isinstance(item, dict) and (said := first_text(item, "detail", "title")):
                return said
    meta = (body or {}).get("meta")
    if isinstance(meta, dict) and (said := first_text(meta, "msg")):
        return said
    return first_text(body, "error_description", "error") or answer.describe_body()


def _reset(value: str | None, now: datetime) -> datetime | None:
    try:
        seconds = int(float((value or "").strip()))
    except ValueError:
        return None
    if seconds < 0:
        return None
    if seconds >= _EPOCH_FROM:
        return datetime.fromtimestamp(seconds, UTC) + timedelta(seconds=1)
    return now + timedelta(seconds=min(seconds, 2 * 86_400) + 1)


def rate_windows(status: int, headers: Mapping[str, str]) -> list[RateWindow]:
    """The app key's hour and day windows an answer announces (both shared by every call)."""
    now = datetime.now(UTC)
    found: list[RateWindow] = []
    for name, prefix in WINDOWS:
        try:
            limit = int(headers.get(f"{prefix}-Limit", ""))
            left = int(headers.get(f"{prefix}-Remaining", ""))
        except ValueError:
            continue
        reset = _reset(headers.get(f"{prefix}-Reset"), now)
        if reset is None or limit < 1 or left < 0:
            continue
        left = min(left, limit)
        found.append(RateWindow(name, limit, left, reset, True, left == 0))
    return found


def spent_reset(headers: Mapping[str, str]) -> datetime | None:
    spent = [w.reset for w in rate_windows(429, headers) if w.remaining == 0]
    return max(spent) if spent else None


def api_error(answer: Answer, *, write: bool) -> PlatformError | None:
    status = answer.status
    body = answer.json_object()
    if status < 400:
        if body is not None:
            return None
        what = answer.describe_body()
        if write:
            return OutcomeUnknown(
                f"Tumblr answered {status} to the post (so it was probably created) with "
                f"{what}; it must be looked for on the blog",
                status=status,
            )
        return Transient(f"Tumblr answered {status} with {what}", status=status)
    said = _said(body, answer)
    if status == 401:
        return AuthExpired(
            f"Tumblr no longer accepts this account's token ({said}): reconnect", status=status
        )
    if status == 429:
        reset = spent_reset(answer.headers) or answer.retry_after()
        return RateLimited(f"Tumblr rate limit reached: {said}", status=status, retry_at=reset)
    if status == 403 and body is None:
        return Transient(
            f"Tumblr's API did not handle the request (403 with {said}): something in front "
            "of it refused it",
            status=status,
        )
    if status in (408, 503):
        return Transient(f"Tumblr is unavailable ({status}): {said}", status=status)
    if status >= 500:
        if write:
            return OutcomeUnknown(
                f"Tumblr failed with {status} after receiving the post; it may have been published",
                status=status,
            )
        return Transient(f"Tumblr failed with {status}: {said}", status=status)
    return Rejected(f"Tumblr refused the request ({status}): {said}", status=status)


def token_error(answer: Answer) -> PlatformError | None:
    status = answer.status
    body = answer.json_object()
    if status < 400:
        if body is not None:
            return None
        return Transient(
            f"Tumblr's token endpoint answered {status} with {answer.describe_body()}",
            status=status,
        )
    if status == 429:
        reset = spent_reset(answer.headers) or answer.retry_after()
        return RateLimited(
            f"Tumblr token endpoint rate limit: {_said(body, answer)}",
            status=status,
            retry_at=reset,
        )
    if status >= 500 or body is None:
        return Transient(
            f"Tumblr's token endpoint failed ({status}, {answer.describe_body()})", status=status
        )
    error = first_text(body, "error") or ""
    description = first_text(body, "error_description", "error") or f"HTTP {status}"
    if error in ("invalid_client", "unauthorized_client"):
        return Rejected(
            f"Tumblr refused amplifier's app credentials ({description}): check "
            "AMPLIFIER_TUMBLR_CLIENT_ID and AMPLIFIER_TUMBLR_CLIENT_SECRET",
            status=status,
        )
    return TokenRefused(description, status=status, error=error)
