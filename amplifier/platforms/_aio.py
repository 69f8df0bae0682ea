"""The aiohttp transport of the release fan-out: the same bounds and translation as `_http.py`.

`bounded_session` makes the session an adapter's `publish_async` (and tweepy's AsyncClient,
which accepts a session of ours) sends through. A middleware gives every call a total deadline
(from the first byte of work, waiting for a pooled connection included, to the last byte of the
answer), reads at most the policy's cap of body, and raises the platform's `PlatformError` for
any answer that is not a well-formed success, before a library tries to parse it.

Whether a timed-out call reached the server is known: a trace hook marks the moment its headers
were written. Before that, nothing was sent (Transient); after it, on a write, the outcome is
unknown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from types import SimpleNamespace

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from ..failure_words import network_words
from ._answers import KIB, Answer
from ._http import AnswerPolicy
from .base import OutcomeUnknown, PlatformError, Rejected, Transient, Unreached
from .egress import NotPublicAddress

CHUNK = 64 * KIB


class CallTimedOut(TimeoutError):
    """The call's total deadline passed; `sent` tells whether its request had been written."""

    def __init__(self, seconds: float, *, sent: bool) -> None:
        super().__init__(f"no complete answer within {seconds:g} s")
        self.sent = sent


class _Progress:
    __slots__ = ("sent",)

    def __init__(self) -> None:
        self.sent = False


_PROGRESS: ContextVar[_Progress | None] = ContextVar("amplifier_aio_progress", default=None)


async def _headers_sent(
    session: aiohttp.ClientSession, context: SimpleNamespace, params: object
) -> None:
    progress = _PROGRESS.get()
    if progress is not None:
        progress.sent = True


def bounding_middleware(policy: AnswerPolicy, seconds: float) -> aiohttp.ClientMiddlewareType:
    async def bounded(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        # No compressed answers: a few KiB of gzip can inflate to gigabytes before any cap.
        request.headers["Accept-Encoding"] = "identity"
        progress = _Progress()
        token = _PROGRESS.set(progress)
        path = request.url.path
        try:
            async with asyncio.timeout(seconds):
                response = await handler(request)
                body, truncated = await _read_capped(response, policy.cap(path))
        except TimeoutError:
            raise CallTimedOut(seconds, sent=progress.sent) from None
        finally:
            _PROGRESS.reset(token)
        response._body = body  # what `read()` returns from now on (the stream is consumed)
        if 300 <= response.status < 400:
            # The API endpoints called here never redirect; following would give the hop a new
            # deadline (and turn a POST into a GET on 301/302). Nothing was done at this URL.
            raise Rejected(
                f"{request.url.host} answered {request.url.path} with a redirect "
                f"({response.status}) to {response.headers.get('Location', 'nowhere')[:200]!r}; "
                "not followed",
                status=response.status,
            )
        policy.check(
            Answer(response.status, response.headers, body, truncated),
            method=request.method,
            path=path,
        )
        return response

    return bounded


async def _read_capped(response: aiohttp.ClientResponse, cap: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= cap:
            chunk = await response.content.read(CHUNK)
            if not chunk:  # at the end aiohttp hands the connection back to its pool itself
                return b"".join(chunks), False
            chunks.append(chunk)
            size += len(chunk)
    except BaseException:
        response.close()
        raise
    response.close()  # the rest is never read: drop the connection
    return b"".join(chunks)[:cap], True


def bounded_session(
    *,
    policy: AnswerPolicy,
    seconds: float,
    limit: int,
    resolver: AbstractResolver | None = None,
    middlewares: Sequence[aiohttp.ClientMiddlewareType] = (),
    observers: Sequence[aiohttp.ClientMiddlewareType] = (),
) -> aiohttp.ClientSession:
    """A session whose every call is bounded by `seconds` in total and by `policy`'s caps.

    `middlewares` run outside the bounds (routing); `observers` inside them, so they see every
    answer as it arrives, before the policy turns an error status into an exception."""
    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(_headers_sent)
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=limit, limit_per_host=limit, resolver=resolver),
        # per-operation bounds too; the middleware's deadline is the total one
        timeout=aiohttp.ClientTimeout(
            total=None, connect=None, sock_connect=seconds, sock_read=seconds
        ),
        middlewares=(*middlewares, bounding_middleware(policy, seconds), *observers),
        trace_configs=[trace],
        auto_decompress=False,
    )


def async_network_error(exc: BaseException, *, write: bool, platform: str) -> PlatformError:
    """`network_error` for aiohttp: a refused or unresolved connection never reached the server."""
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error, NotPublicAddress):
        return Rejected(str(exc.os_error))
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return Unreached(f"could not reach {platform}: {network_words(exc)}")
    if isinstance(exc, CallTimedOut) and not exc.sent:
        return Unreached(f"could not reach {platform}: nothing was sent ({exc})")
    why = str(exc) if isinstance(exc, CallTimedOut) else network_words(exc)
    if write:
        return OutcomeUnknown(
            f"{platform} did not answer after the post was sent ({why}); "
            "it may or may not have been published"
        )
    return Transient(f"could not get an answer from {platform}: {why}")


def routing_middleware(real_bases: Iterable[str], target_base: str) -> aiohttp.ClientMiddlewareType:
    """The aiohttp counterpart of RoutingAdapter: sends a library's fixed host elsewhere.

    tweepy's AsyncClient hard-codes `https://api.twitter.com`; a session carrying this
    middleware delivers its requests to `target_base` (the sandbox) without patching tweepy.
    """
    hosts = {URL(b).host for b in real_bases}
    target = URL(target_base.rstrip("/"))

    async def route(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        if request.url.host in hosts:
            request.url = (
                request.url.with_scheme(target.scheme)
                .with_host(target.host or "")
                .with_port(target.port)
            )
        return await handler(request)

    return route
