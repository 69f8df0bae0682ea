"""The blocking HTTP transport every adapter's requests go through, and failure classification.

Private to `amplifier.platforms`; nothing here knows a platform's payloads. `RoutingAdapter`
(mounted on a `requests.Session`, so tweepy's and requests_oauthlib's calls pass through it too)
gives every call:

- a total deadline (`timeout` seconds for connect and all reads together, see `_deadline.py`),
  failing with `CallTimedOut` — a server trickling one byte at a time is cut off;
- a cap on the answer's size, by path (`AnswerPolicy.cap`): the body is streamed and reading
  stops at the cap, so a 400 MB answer costs at most the cap in memory;
- the platform's one translation of answers (`AnswerPolicy.check`), which raises the
  `PlatformError` an answer means before any library parses it;
- a place in the web app's share of outgoing calls (`budget.py`) when the caller shares one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from ..failure_words import network_words
from . import budget
from ._answers import DEFAULT_CAP, KIB, Answer
from ._answers import iso_time as iso_time
from ._answers import unix_time as unix_time
from ._deadline import bound_pools, deadline
from .base import OutcomeUnknown, PlatformError, Rejected, Transient, Unreached
from .egress import NotPublic, public_only_pools

DEFAULT_TIMEOUT = 10.0
CHUNK = 64 * KIB
# Each hop has its own deadline: few hops, so a server redirecting to itself cannot multiply it.
MAX_REDIRECTS = 3


class AnswerPolicy(Protocol):
    """One platform's reading of answers: how much to read, and what an answer means."""

    def cap(self, path: str) -> int:
        """The most bytes of body worth reading from an answer to `path`."""
        ...

    def check(self, answer: Answer, *, method: str, path: str) -> None:
        """Raise the PlatformError `answer` means, unless it is a well-formed success."""
        ...


class AnyAnswer:
    """No translation, the default cap: for callers that read answers themselves."""

    def cap(self, path: str) -> int:
        return DEFAULT_CAP

    def check(self, answer: Answer, *, method: str, path: str) -> None:
        return None


class CallTimedOut(requests.ReadTimeout):
    """The call's total deadline passed (connect and every read together)."""


class RoutingAdapter(HTTPAdapter):
    """The transport: total deadline, answer cap and translation, and optional host routing.

    Mounted for the prefixes `from_bases` (e.g. tweepy's hard-coded `https://api.twitter.com`),
    it rewrites scheme, host and port of each outgoing request to those of `to_base` (a path
    prefix of `to_base` is kept too). Configuration only: no library code is patched. With
    `public_only` it connects to public addresses only (egress.py), for hosts a supporter named.
    """

    def __init__(
        self,
        *,
        timeout: float,
        from_bases: Iterable[str] = (),
        to_base: str | None = None,
        pool_maxsize: int = 32,
        public_only: bool = False,
        policy: AnswerPolicy | None = None,
    ) -> None:
        self._public_only = public_only  # read by init_poolmanager, which __init__ calls
        super().__init__(pool_connections=4, pool_maxsize=pool_maxsize)
        self._timeout = timeout
        self._from = tuple(b.rstrip("/") for b in from_bases)
        self._to = to_base.rstrip("/") if to_base else None
        self.policy: AnswerPolicy = policy or AnyAnswer()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        if self._public_only:
            public_only_pools(self.poolmanager)
        bound_pools(self.poolmanager)

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        if request.url:
            request.url = self._route(request.url)
        path = urlsplit(request.url or "").path
        kwargs["stream"] = True
        with budget.place(), deadline(self._timeout) as call:
            kwargs["timeout"] = (max(0.001, call.remaining()), self._timeout)
            try:
                response = super().send(request, **kwargs)
                body, truncated = _read_capped(response, self.policy.cap(path))
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                if call.expired:
                    raise CallTimedOut(_late(self._timeout), request=request) from None
                if isinstance(exc, requests.RequestException):
                    raise
                raise requests.ConnectionError(exc, request=request) from None
            if call.expired:
                response.close()
                raise CallTimedOut(_late(self._timeout), request=request)
        response._content = body
        response._content_consumed = True  # type: ignore[attr-defined]
        if not response.is_redirect:
            answer = Answer(response.status_code, response.headers, body, truncated)
            self.policy.check(answer, method=request.method or "GET", path=path)
        return response

    def _route(self, url: str) -> str:
        if self._to is None:
            return url
        for base in self._from:
            if url == base or url.startswith(base + "/") or url.startswith(base + "?"):
                target = urlsplit(self._to)
                rest = urlsplit(url)
                path = target.path.rstrip("/") + rest.path
                return urlunsplit((target.scheme, target.netloc, path, rest.query, rest.fragment))
        return url


def _late(seconds: float) -> str:
    return f"no complete answer within {seconds:g} s"


def _read_capped(response: requests.Response, cap: int) -> tuple[bytes, bool]:
    """Read at most `cap` bytes of the (decoded) body; drop the connection if there is more."""
    raw = response.raw
    chunks: list[bytes] = []
    size = 0
    while size <= cap:
        chunk = raw.read(CHUNK, decode_content=True)
        if not chunk:
            raw.release_conn()
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    raw.close()  # the rest is never read: this connection cannot be reused
    raw.release_conn()
    return b"".join(chunks)[:cap], True


def mount_routing(
    session: requests.Session,
    *,
    timeout: float,
    real_bases: Iterable[str],
    target_base: str,
    policy: AnswerPolicy | None = None,
) -> None:
    """Mount a RoutingAdapter on `session` for every base in `real_bases`.

    When `target_base` is one of the real bases nothing is rewritten; deadline, cap and `policy`
    still apply. A plain adapter (same deadline, cap and policy) is also mounted for
    `target_base` itself and for every other http(s) request the session makes.
    """
    session.max_redirects = MAX_REDIRECTS
    bases = [b.rstrip("/") for b in real_bases]
    target = target_base.rstrip("/")
    rewrite = target not in bases
    adapter = RoutingAdapter(
        timeout=timeout, from_bases=bases, to_base=target if rewrite else None, policy=policy
    )
    plain = RoutingAdapter(timeout=timeout, policy=policy)
    session.mount("https://", plain)
    session.mount("http://", plain)
    for base in bases:
        session.mount(base, adapter)


def is_before_sending(exc: requests.RequestException) -> bool:
    """True when the request surely never reached the server (refused, DNS, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and exc.args:
        inner = exc.args[0]
        if isinstance(inner, urllib3.exceptions.MaxRetryError):
            inner = inner.reason
        return isinstance(
            inner,
            urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError,
        )
    return False


def network_error(exc: requests.RequestException, *, write: bool, platform: str) -> PlatformError:
    """Translate a requests failure: before sending → Transient; after, on a write → unknown.

    A host refused by the egress guard is Rejected: trying again cannot help.
    """
    inner = exc.args[0] if exc.args else None
    if isinstance(inner, urllib3.exceptions.MaxRetryError):
        inner = inner.reason
    if isinstance(inner, NotPublic):
        return Rejected(f"{platform}: {str(inner).split(': ', 1)[-1]}")
    if is_before_sending(exc):
        return Unreached(f"could not reach {platform}: {network_words(exc)}")
    why = str(exc) if isinstance(exc, CallTimedOut) else network_words(exc)
    if write:
        return OutcomeUnknown(
            f"{platform} did not answer after the post was sent ({why}); "
            "it may or may not have been published"
        )
    return Transient(f"could not get an answer from {platform}: {why}")
