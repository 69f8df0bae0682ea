"""What a PDS's and an authorization server's answers mean: the one translation of both paths.

A PDS and its authorization server are named by the supporter (through their handle), so they
may be anything: answers are read under a cap and translated here. XRPC errors are
``{"error": "<Name>", "message": "…"}`` (https://atproto.com/specs/xrpc, "Error Responses");
OAuth errors ``{"error", "error_description"}`` (RFC 6749 §5.2). Rate limits are reported in
``ratelimit-limit``/``-remaining``/``-reset`` (epoch seconds) and ``ratelimit-policy``
(docs.bsky.app "Rate Limits"; draft-polli-ratelimit-headers).

    use_dpop_nonce (400 or 401)      NonceRequired (Transient): nothing was done; retry once
                                     with the nonce of the `DPoP-Nonce` header
    2xx with a JSON object           success
    2xx cut short / not JSON         a write: OutcomeUnknown (the record key settles it); a
                                     read: Transient
    401, or ExpiredToken/InvalidToken AuthExpired
    429                              RateLimited until ratelimit-reset, else Retry-After
    403 not from the PDS (HTML…)     Transient
    408, 503                         Transient: not processed
    other 5xx                        a write: OutcomeUnknown; otherwise Transient
    other 4xx                        Rejected, with the server's words
"""

from __future__ import annotations

from collections.abc import Mapping

from .._answers import POST_CAP, PROFILE_CAP, TOKEN_CAP, Answer, first_text, retry_after, unix_time
from ..base import AuthExpired, OutcomeUnknown, PlatformError, RateLimited, Rejected, Transient
from ..ratewindows import RateWindow, _epoch_reset, _window

CREATE_PATH = "/xrpc/com.atproto.repo.createRecord"
WRITE_PATHS = (CREATE_PATH, "/oauth/token", "/oauth/par")
_AUTH_ERRORS = ("ExpiredToken", "InvalidToken", "invalid_token", "AuthMissing")


class NonceRequired(Transient):
    """The server wants a DPoP proof with its nonce (`nonce`); nothing was done."""

    def __init__(self, message: str, *, nonce: str, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.nonce = nonce


class BlueskyAnswers:
    """The AnswerPolicy (`_http.AnswerPolicy`) of one PDS and its authorization server."""

    def __init__(self, host: str) -> None:
        self.host = host

    def cap(self, path: str) -> int:
        if path.startswith("/oauth/") or path.startswith("/.well-known/"):
            return TOKEN_CAP * 4
        if path == CREATE_PATH:
            return POST_CAP
        return PROFILE_CAP

    def check(self, answer: Answer, *, method: str, path: str) -> None:
        error = answer_error(answer, write=method == "POST" and path == CREATE_PATH, host=self.host)
        if error is not None:
            raise error


def answer_error(answer: Answer, *, write: bool, host: str) -> PlatformError | None:
    """The error `answer` means, or None for a well-formed success."""
    status, body = answer.status, answer.json_object()
    if status < 400:
        if body is not None:
            return None
        what = answer.describe_body()
        if write:
            return OutcomeUnknown(
                f"{host} answered {status} to the post (so it was probably created) with {what}; "
                "its record key settles it",
                status=status,
            )
        return Transient(f"{host} answered {status} with {what}", status=status)
    code = first_text(body, "error") or ""
    said = first_text(body, "message", "error_description", "error") or answer.describe_body()
    nonce = answer.headers.get("DPoP-Nonce")
    www = answer.headers.get("WWW-Authenticate") or ""
    if status in (400, 401) and nonce and ("use_dpop_nonce" in (code, *www.split('"'))):
        return NonceRequired(f"{host} asks for a fresh DPoP nonce", nonce=nonce, status=status)
    if status == 401 or code in _AUTH_ERRORS:
        return AuthExpired(
            f"{host} no longer accepts this session ({said}): reconnect", status=status
        )
    if status == 429:
        reset = unix_time(answer.headers.get("ratelimit-reset")) or retry_after(
            answer.headers.get("Retry-After")
        )
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
                "published (its record key settles it)",
                status=status,
            )
        return Transient(f"{host} failed with {status}: {said}", status=status)
    return Rejected(f"{host} refused the request ({status}): {said}", status=status)


def bluesky_rate_windows(status: int, headers: Mapping[str, str]) -> list[RateWindow]:
    """The window an answer announces (`ratelimit-limit|remaining|reset`, reset in epoch
    seconds, `ratelimit-policy` "<limit>;w=<seconds>"). Bluesky's PDS reports the limit nearest
    to being hit: the 5-minute window is the client address's (3,000 requests, shared by all
    our calls to that host); the hourly and daily ones are the account's write points."""
    policy = headers.get("ratelimit-policy") or ""
    seconds = policy.partition("w=")[2].split(";", 1)[0].strip()
    window = _window(
        "host" if seconds == "300" else "account",
        headers.get("ratelimit-limit"),
        headers.get("ratelimit-remaining"),
        _epoch_reset(headers.get("ratelimit-reset")),
        status=status,
        shared=seconds == "300",
    )
    return [window] if window is not None else []
