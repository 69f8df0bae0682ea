"""HTTP plumbing shared by the adapters: timeouts, host routing, failure classification.

Private to `amplifier.platforms`; nothing here knows a platform's payloads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from yarl import URL

from .base import OutcomeUnknown, PlatformError, Rejected, Transient
from .egress import NotPublic, NotPublicAddress, public_only_pools

DEFAULT_TIMEOUT = 10.0


class RoutingAdapter(HTTPAdapter):
    """A transport that applies a default timeout and can send a fixed host elsewhere.

    Mounted on a `requests.Session` for the prefixes `from_bases` (e.g. tweepy's hard-coded
    `https://api.twitter.com`), it rewrites scheme, host and port of each outgoing request to
    those of `to_base` (a path prefix of `to_base` is kept too). Configuration only: no library
    code is patched. With `to_base=None` it only enforces the timeout. With `public_only` it
    connects to public addresses only (egress.py), for hosts a supporter named.
    """

    def __init__(
        self,
        *,
        timeout: float,
        from_bases: Iterable[str] = (),
        to_base: str | None = None,
        pool_maxsize: int = 32,
        public_only: bool = False,
    ) -> None:
        self._public_only = public_only  # read by init_poolmanager, which __init__ calls
        super().__init__(pool_connections=4, pool_maxsize=pool_maxsize)
        self._timeout = timeout
        self._from = tuple(b.rstrip("/") for b in from_bases)
        self._to = to_base.rstrip("/") if to_base else None

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        if self._public_only:
            public_only_pools(self.poolmanager)

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        if request.url:
            request.url = self._route(request.url)
        return super().send(request, **kwargs)

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


def mount_routing(
    session: requests.Session,
    *,
    timeout: float,
    real_bases: Iterable[str],
    target_base: str,
) -> None:
    """Mount a RoutingAdapter on `session` for every base in `real_bases`.

    When `target_base` is one of the real bases nothing is rewritten; the timeout still applies.
    A plain timeout-only adapter is also mounted for `target_base` itself and for every other
    http(s) request the session makes.
    """
    bases = [b.rstrip("/") for b in real_bases]
    target = target_base.rstrip("/")
    rewrite = target not in bases
    adapter = RoutingAdapter(timeout=timeout, from_bases=bases, to_base=target if rewrite else None)
    plain = RoutingAdapter(timeout=timeout)
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
        return Transient(f"could not reach {platform}: {type(exc).__name__}")
    if write:
        return OutcomeUnknown(
            f"{platform} did not answer after the post was sent ({type(exc).__name__}); "
            "it may or may not have been published"
        )
    return Transient(f"{platform} did not answer in time ({type(exc).__name__})")


def call_timeout(seconds: float) -> aiohttp.ClientTimeout:
    """Time the connection and each read, not the wait for a pooled connection: a request
    still queued behind hung ones was never sent, and must not be taken for "outcome unknown"."""
    return aiohttp.ClientTimeout(total=None, connect=None, sock_connect=seconds, sock_read=seconds)


def async_network_error(exc: BaseException, *, write: bool, platform: str) -> PlatformError:
    """`network_error` for aiohttp: a refused or unresolved connection never reached the server."""
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error, NotPublicAddress):
        return Rejected(str(exc.os_error))
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return Transient(f"could not reach {platform}: {type(exc).__name__}")
    if write:
        return OutcomeUnknown(
            f"{platform} did not answer after the post was sent ({type(exc).__name__}); "
            "it may or may not have been published"
        )
    return Transient(f"{platform} did not answer in time ({type(exc).__name__})")


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


def unix_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(float(value)), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def iso_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def json_or_empty(response: requests.Response) -> Mapping[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
