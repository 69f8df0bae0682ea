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
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from types import SimpleNamespace
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from ..failure_words import network_words
from ._answers import KIB, Answer
from ._http import AnswerPolicy
from .base import OutcomeUnknown, PlatformError, Rejected, Transient, Unreached
from .egress import NotPublicAddress

CHUNK = 64 * KIB
PRECONNECT_S = 10.0  # a session without a connect timeout still stops opening after this

Route = Callable[[aiohttp.ClientRequest], None]
"""Rewrites a request's URL in place before it leaves (a library's fixed host → elsewhere)."""
Observe = Callable[[aiohttp.ClientResponse], None]
"""Sees every answer's status and headers as it arrives, before the policy judges it."""


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


def bounding_middleware(
    policy: AnswerPolicy,
    seconds: float,
    *,
    route: Route | None = None,
    observe: Observe | None = None,
) -> aiohttp.ClientMiddlewareType:
    """The one middleware of a bounded session. Routing and observing are plain calls inside it,
    not middlewares of their own: aiohttp builds its chain of wrappers again for every request,
    which showed in the release's profile."""

    async def bounded(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        if route is not None:
            route(request)
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
        if observe is not None:
            observe(response)
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
    route: Route | None = None,
    observe: Observe | None = None,
) -> aiohttp.ClientSession:
    """A session whose every call is bounded by `seconds` in total and by `policy`'s caps.

    `route` rewrites each request's URL first (outside the bounds' meaning: only where it goes);
    `observe` sees every answer as it arrives, before the policy turns an error status into an
    exception."""
    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(_headers_sent)
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=limit, limit_per_host=limit, resolver=resolver),
        # per-operation bounds too; the middleware's deadline is the total one
        timeout=aiohttp.ClientTimeout(
            total=None, connect=None, sock_connect=seconds, sock_read=seconds
        ),
        middlewares=(bounding_middleware(policy, seconds, route=route, observe=observe),),
        trace_configs=[trace],
        auto_decompress=False,
    )


async def preconnect(session: aiohttp.ClientSession, origin: str, count: int) -> int:
    """Open up to `count` connections to `origin` in `session`'s pool, idle, before they are
    needed (TCP, and TLS for https: a round trip or two and the handshake's CPU each). Nothing
    is sent on them. Bounded by the session's connect timeout; returns how many were opened.

    aiohttp has no call for this: `BaseConnector.connect` with a request that is never sent
    opens a connection, and `Connection.release` puts it in the pool (both documented)."""
    connector = session.connector
    if connector is None or count < 1:
        return 0
    loop = asyncio.get_running_loop()
    url = URL(origin)
    timeout = session.timeout

    async def one() -> aiohttp.connector.Connection:
        request = aiohttp.ClientRequest("GET", url, loop=loop)
        async with asyncio.timeout(timeout.sock_connect or PRECONNECT_S):  # DNS included
            return await connector.connect(request, [], timeout)

    opened = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    made = 0
    for connection in opened:  # all held until here, so that none was handed out twice
        if isinstance(connection, aiohttp.connector.Connection):
            connection.release()
            made += 1
    return made


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of `url` (RFC 6454's origin, serialised)."""
    return str(URL(url).origin())


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


async def bearer_json_async(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    token: str,
    *,
    platform: str,
    write: bool,
    data: Any = None,
    json: Any = None,
    params: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One call with a bearer token whose answer is a JSON object: that object (`{}` for any
    other JSON). `data` goes as a form (a dict, FormData or encoded bytes), `json` as JSON.

    The bounds are the session's: made by `bounded_session`, every call has its total deadline
    and its answer's size cap, and an error answer is already the platform's `PlatformError`.
    A network failure becomes `async_network_error` with `write` (whether the call may have
    published) and `platform` (the name its words give). Nothing is made per call beyond what
    the call itself needs (one headers dict), as this is on the release's path."""
    try:
        async with session.request(
            method,
            url,
            data=data,
            json=json,
            params=params,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        ) as response:
            body = await response.json(content_type=None)
    except PlatformError:
        raise
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise async_network_error(exc, write=write, platform=platform) from None
    return body if isinstance(body, dict) else {}


def routing(real_bases: Iterable[str], target_base: str) -> Route:
    """The aiohttp counterpart of RoutingAdapter: sends a library's fixed host elsewhere.

    tweepy's AsyncClient hard-codes `https://api.twitter.com`; a session given this `route`
    delivers its requests to `target_base` (the sandbox) without patching tweepy.
    """
    hosts = {URL(b).host for b in real_bases}
    target = URL(target_base.rstrip("/"))

    def route(request: aiohttp.ClientRequest) -> None:
        if request.url.host in hosts:
            request.url = (
                request.url.with_scheme(target.scheme)
                .with_host(target.host or "")
                .with_port(target.port)
            )

    return route
