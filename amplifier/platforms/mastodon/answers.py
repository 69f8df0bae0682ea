"""What a Mastodon server's answers mean: the one translation its sync and async calls share.

A Mastodon server is chosen by a supporter and may be anything: its answers are read under a
cap and translated here before anything parses them. Mastodon documents errors as
`{"error": "…"}` (https://docs.joinmastodon.org/entities/Error/) and rate limits as 429 with
`X-RateLimit-Reset` in ISO 8601 (https://docs.joinmastodon.org/api/rate-limits/).

    2xx with a JSON object            success
    2xx cut short / not JSON          a post: the server created it, we cannot read it →
                                      OutcomeUnknown (the Idempotency-Key settles it); a read:
                                      Transient
    401 (JSON or not)                 AuthExpired
    429 (JSON or not)                 RateLimited, `retry_at` from X-RateLimit-Reset, else
                                      Retry-After
    403 not from Mastodon (HTML…)     Transient: something in front of the server refused it
    408, 503                          Transient: not processed
    other 5xx                         a post: OutcomeUnknown; otherwise Transient
    other 4xx                         Rejected, with the server's words or a description
"""

from __future__ import annotations

from .._answers import (
    INSTANCE_CAP,
    LOOKUP_CAP,
    POST_CAP,
    PROFILE_CAP,
    TOKEN_CAP,
    Answer,
    first_text,
)
from ..base import AuthExpired, OutcomeUnknown, PlatformError, RateLimited, Rejected, Transient
from .facts import rate_limit_reset

STATUSES_PATH = "/api/v1/statuses"


class MastodonAnswers:
    """The AnswerPolicy of one Mastodon server (see `_http.AnswerPolicy`); `host` names it."""

    def __init__(self, host: str) -> None:
        self.host = host

    def cap(self, path: str) -> int:
        if path in ("/oauth/token", "/api/v1/apps"):
            return TOKEN_CAP
        if path == STATUSES_PATH:
            return POST_CAP
        if path.endswith("/instance"):
            return INSTANCE_CAP
        if path.endswith("/statuses"):  # an account's latest posts
            return LOOKUP_CAP
        return PROFILE_CAP

    def check(self, answer: Answer, *, method: str, path: str) -> None:
        write = method == "POST" and path == STATUSES_PATH
        error = answer_error(answer, write=write, host=self.host)
        if error is not None:
            raise error


def answer_error(answer: Answer, *, write: bool, host: str) -> PlatformError | None:
    """The error `answer` means, or None for a well-formed success."""
    status = answer.status
    body = answer.json_object()
    if status < 400:
        if body is not None:
            return None
        what = answer.describe_body()
        if write:
            return OutcomeUnknown(
                f"{host} answered {status} to the post (so it was probably created) with {what}; "
                "resending with the same Idempotency-Key settles it",
                status=status,
            )
        return Transient(f"{host} answered {status} with {what}", status=status)
    said = first_text(body, "error", "error_description") or answer.describe_body()
    if status == 401:
        return AuthExpired(
            f"{host} no longer accepts this token ({said}): reconnect", status=status
        )
    if status == 429:
        reset = rate_limit_reset(answer.headers)  # X-RateLimit-Reset or Retry-After, the later
        return RateLimited(f"{host} rate limit reached: {said}", status=status, retry_at=reset)
    if status == 403 and body is None:
        return Transient(
            f"{host} did not handle the request (403 with {said}): something in front of the "
            "server refused it",
            status=status,
        )
    if status in (408, 503):
        return Transient(f"{host} is unavailable ({status}): {said}", status=status)
    if status >= 500:
        if write:
            return OutcomeUnknown(
                f"{host} failed with {status} after receiving the post; it may have been "
                "published (retrying with the same Idempotency-Key is safe for about an hour)",
                status=status,
            )
        return Transient(f"{host} failed with {status}: {said}", status=status)
    return Rejected(f"{host} refused the request ({status}): {said}", status=status)
