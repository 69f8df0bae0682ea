"""What the Graph API's answers mean: one translation for the sync and async calls.

Meta documents errors as an object (https://developers.facebook.com/docs/graph-api/guides/error-handling):
`{"error": {"message", "type", "code", "error_subcode", "is_transient", "error_user_msg",
"fbtrace_id"}}`, whatever the HTTP status; the `code` decides:

    190, 102 (and OAuthException 458-467)   AuthExpired: the token is expired, revoked, or its
                                            person lost the Page: reconnect
    10, 200-299                             AuthExpired: the permission was removed: reconnect
    4, 17, 32, 613, 80001, 341              RateLimited, `retry_at` from the usage headers'
                                            `estimated_time_to_regain_access` (minutes), else
                                            Retry-After
    506                                     Duplicate (the Page's duplicate of a recent post)
    368, 1609005, other codes               Rejected, with Meta's words
    1, 2, is_transient                      Transient, but a write answered 5xx other than 503:
                                            OutcomeUnknown (the post may exist)

Usage headers (https://developers.facebook.com/docs/graph-api/overview/rate-limiting):
`X-App-Usage` (`call_count`, `total_cputime`, `total_time`: percentages) and
`X-Business-Use-Case-Usage` (`{id: [{"type", "call_count", "total_cputime", "total_time",
"estimated_time_to_regain_access"}]}`). A refusal's retry time comes from the latter here; the
former paces the release's limiter on every answer (usage.py).

Answers that are not Graph's JSON (an HTML page from something in front of Graph, a cut-short
success) are read as every platform's are: 401 AuthExpired, 429 RateLimited, 403/408/503
Transient, other 5xx on a write OutcomeUnknown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from .._answers import LOOKUP_CAP, POST_CAP, PROFILE_CAP, TOKEN_CAP, Answer, first_text
from ..base import (
    AuthExpired,
    Duplicate,
    OutcomeUnknown,
    PlatformError,
    RateLimited,
    Rejected,
    Transient,
)

AUTH_CODES = frozenset({102, 190, 10}) | frozenset(range(200, 300))
THROTTLE_CODES = frozenset({4, 17, 32, 341, 613, 80001})
TRANSIENT_CODES = frozenset({1, 2})
DUPLICATE = 506
USAGE_HEADERS = ("X-Business-Use-Case-Usage", "X-App-Usage")


def regain_at(headers: Mapping[str, str], now: datetime | None = None) -> datetime | None:
    """When Meta's usage headers say calls are allowed again (the latest of their
    `estimated_time_to_regain_access`, in minutes), or None when they do not say."""
    raw = headers.get("X-Business-Use-Case-Usage")
    if not raw:
        return None
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None
    minutes = 0
    for entries in parsed.values() if isinstance(parsed, dict) else ():
        for entry in entries if isinstance(entries, list) else ():
            value = entry.get("estimated_time_to_regain_access") if isinstance(entry, dict) else 0
            if isinstance(value, int | float) and 0 < value <= 7 * 24 * 60:
                minutes = max(minutes, int(value))
    if minutes <= 0:
        return None
    return (now or datetime.now(UTC)) + timedelta(minutes=minutes)


def graph_error(body: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Graph's error object, if the body is one."""
    found = (body or {}).get("error")
    return found if isinstance(found, dict) else None


class GraphAnswers:
    """The AnswerPolicy of the Graph API (see `_http.AnswerPolicy`); `writes(path)` tells which
    paths create a post, `label` names the platform in messages."""

    def __init__(self, label: str, *, write_suffix: str) -> None:
        self.label = label
        self._write_suffix = write_suffix

    def cap(self, path: str) -> int:
        if path.endswith("/oauth/access_token"):
            return TOKEN_CAP
        if path.endswith(self._write_suffix):
            return POST_CAP
        if path.endswith(("/accounts", "/feed", "/threads")):
            return LOOKUP_CAP
        return PROFILE_CAP

    def check(self, answer: Answer, *, method: str, path: str) -> None:
        write = method == "POST" and path.endswith(self._write_suffix)
        problem = answer_error(answer, write=write, label=self.label)
        if problem is not None:
            raise problem


def answer_error(answer: Answer, *, write: bool, label: str) -> PlatformError | None:
    """The error `answer` means, or None for a well-formed success."""
    status = answer.status
    body = answer.json_object()
    if status < 400:
        if body is not None and graph_error(body) is None:
            return None
        if body is None:
            what = answer.describe_body()
            if write:
                return OutcomeUnknown(
                    f"{label} answered {status} to the post with {what}: it was probably "
                    "published; look at the account's latest posts before trying again",
                    status=status,
                )
            return Transient(f"{label} answered {status} with {what}", status=status)
    found = graph_error(body)
    if found is not None:
        return _graph_error(found, answer, write=write, label=label)
    said = first_text(body, "error_description", "error") or answer.describe_body()
    if status == 401:
        return AuthExpired(f"{label} no longer accepts this token ({said}): reconnect", status=401)
    if status == 429:
        return RateLimited(
            f"{label} rate limit reached: {said}", status=429, retry_at=answer.retry_after()
        )
    if status in (403, 408, 503) and (body is None or status != 403):
        return Transient(f"{label} did not handle the request ({status}, {said})", status=status)
    if status >= 500:
        if write:
            return OutcomeUnknown(
                f"{label} failed with {status} after receiving the post; it may have been "
                "published",
                status=status,
            )
        return Transient(f"{label} failed with {status}: {said}", status=status)
    return Rejected(f"{label} refused the request ({status}): {said}", status=status)


def _graph_error(
    found: Mapping[str, Any], answer: Answer, *, write: bool, label: str
) -> PlatformError:
    status = answer.status
    code = found.get("code")
    code = code if isinstance(code, int) else None
    said = first_text(found, "error_user_msg", "message") or "no reason given"
    where = f"{label} (error {code})" if code is not None else label
    if code in AUTH_CODES or (code is None and found.get("type") == "OAuthException"):
        return AuthExpired(
            f"{where} no longer lets this account post: {said.rstrip('.')}. "
            "The supporter must reconnect.",
            status=status,
        )
    if code in THROTTLE_CODES or status == 429:
        retry = regain_at(answer.headers) or answer.retry_after()
        return RateLimited(f"{where} rate limit reached: {said}", status=status, retry_at=retry)
    if code == DUPLICATE:
        return Duplicate(f"{where} refused a duplicate of a recent post: {said}", status=status)
    if code in TRANSIENT_CODES or found.get("is_transient") is True or status >= 500:
        if write and status >= 500 and status != 503:
            return OutcomeUnknown(
                f"{where} failed after receiving the post ({status}: {said}); it may have been "
                "published",
                status=status,
            )
        return Transient(f"{where} had a temporary problem: {said}", status=status)
    return Rejected(f"{where} refused the request: {said}", status=status)
