"""What X's answers mean: the one translation its synchronous and asynchronous calls share.

The transports (`_http.py`, `_aio.py`) hand every answer to `ANSWERS.check` before tweepy or
requests_oauthlib parse it, so a library never meets an answer X's documentation does not
promise. What each answer means (X API v2 "Response codes and errors",
https://docs.x.com/x-api/fundamentals/response-codes-and-errors; "Rate limits",
https://docs.x.com/x-api/fundamentals/rate-limits):

    2xx with a JSON object            success (the adapter reads it)
    2xx cut short / not JSON          a post: X created it, we cannot read its id → OutcomeUnknown,
                                      settled by a look-up; a read: Transient
    401 (JSON or not)                 AuthExpired: the token is dead, reconnect
    429 (JSON or not)                 RateLimited, `retry_at` from the exhausted x-*-reset header,
                                      else Retry-After
    403 with X's JSON                 Rejected (Duplicate when X says the text repeats a post)
    403 not from X's API (HTML…)      Transient: something in front of the API refused it, the
                                      API itself did nothing
    503 with X's JSON to a post       OutcomeUnknown: X has answered 503 to a post it had created
    408, other 503                    Transient: not processed
    other 5xx                         a post: OutcomeUnknown; a read: Transient
    other 4xx                         Rejected, with X's words or a description of the body

The token endpoint (`/2/oauth2/token`) answers in OAuth 2.0's shape (RFC 6749 §5.2): see
`token_error`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .._answers import LOOKUP_CAP, POST_CAP, PROFILE_CAP, TOKEN_CAP, Answer, first_text, unix_time
from ..base import (
    AuthExpired,
    Duplicate,
    OutcomeUnknown,
    PlatformError,
    RateLimited,
    Rejected,
    Transient,
)

_DUPLICATE = re.compile(r"duplicate", re.IGNORECASE)
TOKEN_PATH = "/2/oauth2/token"
POST_PATH = "/2/tweets"


class TokenRefused(Rejected):
    """X's token endpoint refused the grant (code or refresh token); `error` is its OAuth code."""

    def __init__(self, message: str, *, status: int, error: str) -> None:
        super().__init__(message, status=status)
        self.error = error


class XAnswers:
    """The AnswerPolicy of X's API host (see `_http.AnswerPolicy`)."""

    def cap(self, path: str) -> int:
        if path.endswith(TOKEN_PATH):
            return TOKEN_CAP
        if path.endswith(POST_PATH):
            return POST_CAP
        if path.endswith("/tweets"):  # /2/users/:id/tweets, an account's latest posts
            return LOOKUP_CAP
        return PROFILE_CAP

    def check(self, answer: Answer, *, method: str, path: str) -> None:
        if path.endswith(TOKEN_PATH):
            error = token_error(answer)
        else:
            error = api_error(answer, write=method == "POST" and path.endswith(POST_PATH))
        if error is not None:
            raise error


ANSWERS = XAnswers()


def detail(body: Mapping[str, Any] | None) -> str | None:
    """X's own words: a problem's `detail`, the first of `errors`, or an OAuth description."""
    found = first_text(body, "detail")
    if found:
        return found
    errors = (body or {}).get("errors")
    if isinstance(errors, list):
        for item in errors:
            if isinstance(item, dict) and (said := first_text(item, "message", "detail")):
                return said
    return first_text(body, "title", "error_description", "error")


def api_error(answer: Answer, *, write: bool) -> PlatformError | None:
    """The error an answer of X's API means, or None for a well-formed success."""
    status = answer.status
    body = answer.json_object()
    if status < 400:
        if body is not None:
            return None
        what = answer.describe_body()
        if write:
            return OutcomeUnknown(
                f"X answered {status} to the post (so it was probably created) with {what}; "
                "it must be looked up on the account",
                status=status,
            )
        return Transient(f"X answered {status} with {what}", status=status)
    said = detail(body) or answer.describe_body()
    if status == 401:
        return AuthExpired(
            f"X no longer accepts this account's token ({said}): reconnect", status=status
        )
    if status == 429:
        reset = exhausted_reset(answer.headers) or answer.retry_after()
        return RateLimited(f"X rate limit reached: {said}", status=status, retry_at=reset)
    if status == 403 and body is None:
        return Transient(
            f"X's API did not handle the request (403 with {said}): something in front of it "
            "refused it",
            status=status,
        )
    if status == 403 and _DUPLICATE.search(said):
        return Duplicate(
            f"X refused a duplicate: this account already posted the same text (X said: {said})",
            status=status,
        )
    if status == 503 and write and body is not None:
        # X's own 503 to a post has come after the post was created: look before resending
        return OutcomeUnknown(
            f"X answered 503 after receiving the post ({said}); it may have been published",
            status=status,
        )
    if status in (408, 503):
        return Transient(f"X is unavailable ({status}): {said}", status=status)
    if status >= 500:
        if write:
            return OutcomeUnknown(
                f"X failed with {status} after receiving the post; it may have been published",
                status=status,
            )
        return Transient(f"X failed with {status}: {said}", status=status)
    return Rejected(f"X refused the request ({status}): {said}", status=status)


def token_error(answer: Answer) -> PlatformError | None:
    """The token endpoint's answer: an OAuth error in JSON is a refusal, anything else is not.

    An answer that is not OAuth's JSON (an HTML page, a cut-short body) did not come from the
    authorization server's logic, so it says nothing about the code or the refresh token:
    Transient, never a refusal that would make a supporter reconnect for a proxy's blip.
    """
    status = answer.status
    body = answer.json_object()
    if status < 400:
        if body is not None:
            return None
        return Transient(
            f"X's token endpoint answered {status} with {answer.describe_body()}", status=status
        )
    if status == 429:
        reset = unix_time(answer.headers.get("x-rate-limit-reset")) or answer.retry_after()
        said = first_text(body, "error_description", "error") or answer.describe_body()
        return RateLimited(f"X token endpoint rate limit: {said}", status=status, retry_at=reset)
    if status >= 500 or body is None:
        return Transient(
            f"X's token endpoint failed ({status}, {answer.describe_body()})", status=status
        )
    error = first_text(body, "error") or ""
    description = first_text(body, "error_description", "error") or f"HTTP {status}"
    if error in ("invalid_client", "unauthorized_client"):
        return Rejected(
            f"X refused amplifier's app credentials ({description}): check the X client "
            "id and secret",
            status=status,
        )
    return TokenRefused(description, status=status, error=error)


def exhausted_reset(headers: Mapping[str, str]) -> datetime | None:
    """The reset of whichever X limit ran out: the endpoint's 15-minute window
    (`x-rate-limit-*`), the app's 24 hours (`x-app-limit-24hour-*`) or the user's
    (`x-user-limit-24hour-*`); the latest reset among the exhausted ones, else the endpoint's."""
    resets = [
        unix_time(headers.get(f"{prefix}-reset"))
        for prefix in ("x-rate-limit", "x-app-limit-24hour", "x-user-limit-24hour")
        if headers.get(f"{prefix}-remaining") == "0"
    ]
    exhausted = [r for r in resets if r is not None]
    return max(exhausted) if exhausted else unix_time(headers.get("x-rate-limit-reset"))
