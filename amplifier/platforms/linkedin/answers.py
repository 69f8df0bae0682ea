"""What LinkedIn's answers mean: the one translation its sync and async calls share.

LinkedIn's API errors are Rest.li JSON, `{"status", "serviceErrorCode", "code", "message"}`
("Error Handling", https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling);
its OAuth endpoints answer RFC 6749's `{"error", "error_description"}`.
Creating a post ("Posts API",
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api)
answers 201 with no body, the post's URN in the `x-restli-id` header.

    2xx, empty body or a JSON object   success (the adapter reads the header or the object)
    2xx with any other body            a post: created, unreadable → OutcomeUnknown; a read:
                                       Transient
    401 (JSON or not)                  AuthExpired: revoked or past its 60 days, reconnect
    426                                Rejected: the pinned LinkedIn-Version has been sunset
                                       (AMPLIFIER_LINKEDIN_VERSION must be raised)
    429 (JSON or not)                  RateLimited until Retry-After, else the next midnight
                                       UTC ("Rate Limiting": daily limits reset at midnight UTC,
                                       https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits)
    422 "duplicate"                    Duplicate: the member already posted this text
    403 not from LinkedIn (HTML…)      Transient: something in front of the API refused it
    408, 503                           Transient
    other 5xx                          a post: OutcomeUnknown; a read: Transient
    other 4xx                          Rejected, with LinkedIn's words
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

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

POSTS_PATH = "/rest/posts"
TOKEN_PATH = "/oauth/v2/accessToken"
_DUPLICATE = re.compile(r"duplicate", re.IGNORECASE)


class TokenRefused(Rejected):
    """LinkedIn's token endpoint refused the grant; `error` is its OAuth code."""

    def __init__(self, message: str, *, status: int, error: str) -> None:
        super().__init__(message, status=status)
        self.error = error


def next_midnight_utc(now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    return datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)


class LinkedInAnswers:
    """The AnswerPolicy of LinkedIn's hosts (see `_http.AnswerPolicy`)."""

    def cap(self, path: str) -> int:
        if path.endswith(TOKEN_PATH):
            return TOKEN_CAP
        if path == POSTS_PATH:
            return LOOKUP_CAP  # a POST's answer is empty; a GET is a page of posts
        if path.startswith(POSTS_PATH):
            return POST_CAP
        return PROFILE_CAP

    def check(self, answer: Answer, *, method: str, path: str) -> None:
        if path.endswith(TOKEN_PATH):
            error = token_error(answer)
        else:
            error = api_error(answer, write=method == "POST" and path == POSTS_PATH)
        if error is not None:
            raise error


ANSWERS = LinkedInAnswers()


def _said(answer: Answer) -> str:
    return first_text(answer.json_object(), "message", "error_description", "code", "error") or (
        answer.describe_body()
    )


def api_error(answer: Answer, *, write: bool) -> PlatformError | None:
    status = answer.status
    body = answer.json_object()
    if status < 400:
        if body is not None or (not answer.body.strip() and not answer.truncated):
            return None
        what = answer.describe_body()
        if write:
            return OutcomeUnknown(
                f"LinkedIn answered {status} to the post (so it was probably created) with "
                f"{what}; it must be looked for on the member's posts",
                status=status,
            )
        return Transient(f"LinkedIn answered {status} with {what}", status=status)
    said = _said(answer)
    if status == 401:
        return AuthExpired(
            f"LinkedIn no longer accepts this member's token ({said}): LinkedIn connections "
            "last 60 days and cannot be renewed, so the member must connect again",
            status=status,
        )
    if status == 426:
        return Rejected(
            f"LinkedIn no longer supports the API version amplifier sends ({said}): raise "
            "AMPLIFIER_LINKEDIN_VERSION to a supported LinkedIn-Version",
            status=status,
        )
    if status == 429:
        reset = answer.retry_after() or next_midnight_utc()
        return RateLimited(f"LinkedIn rate limit reached: {said}", status=status, retry_at=reset)
    if status == 403 and body is None:
        return Transient(
            f"LinkedIn's API did not handle the request (403 with {said}): something in front "
            "of it refused it",
            status=status,
        )
    if status == 422 and _DUPLICATE.search(said):
        return Duplicate(
            f"LinkedIn refused a duplicate: this member already posted the same text ({said})",
            status=status,
        )
    if status in (408, 503):
        return Transient(f"LinkedIn is unavailable ({status}): {said}", status=status)
    if status >= 500:
        if write:
            return OutcomeUnknown(
                f"LinkedIn failed with {status} after receiving the post; it may have been "
                "published",
                status=status,
            )
        return Transient(f"LinkedIn failed with {status}: {said}", status=status)
    return Rejected(f"LinkedIn refused the request ({status}): {said}", status=status)


def token_error(answer: Answer) -> PlatformError | None:
    """OAuth's JSON error is a refusal; anything else says nothing of the code or token."""
    status = answer.status
    body = answer.json_object()
    if status < 400:
        if body is not None:
            return None
        return Transient(
            f"LinkedIn's token endpoint answered {status} with {answer.describe_body()}",
            status=status,
        )
    if status == 429:
        reset = answer.retry_after() or next_midnight_utc()
        return RateLimited(
            f"LinkedIn token endpoint rate limit: {_said(answer)}", status=status, retry_at=reset
        )
    if status >= 500 or body is None:
        return Transient(
            f"LinkedIn's token endpoint failed ({status}, {answer.describe_body()})",
            status=status,
        )
    error = first_text(body, "error") or ""
    description = first_text(body, "error_description", "error") or f"HTTP {status}"
    if error in ("invalid_client", "unauthorized_client"):
        return Rejected(
            f"LinkedIn refused amplifier's app credentials ({description}): check "
            "AMPLIFIER_LINKEDIN_CLIENT_ID and AMPLIFIER_LINKEDIN_CLIENT_SECRET",
            status=status,
        )
    return TokenRefused(description, status=status, error=error)
