"""Connections to hosts a supporter named reach public addresses only.

A supporter types the address of their Mastodon server, and the app then makes requests there
(app registration, token exchange, posting). Without a guard, "my server" could be
`internal-admin.corp` or a name that resolves to 127.0.0.1, 10.x or the cloud metadata address
169.254.169.254: server-side request forgery with our credentials and network position.

`normalise_instance` refuses private IP literals and odd names when the address is typed, but a
name's DNS answer can change at any time afterwards (DNS rebinding), so the check that counts is
made on the connected socket: the peer address of every new connection must be global, or the
connection is closed before a byte is sent. For aiohttp (the release's fan-out) a resolver drops
non-global answers before connecting.

Only local development and tests, where the sandbox listens on 127.0.0.1, turn it off (the same
switch as plain http: `AMPLIFIER_MASTODON_ALLOW_HTTP`). Operator-configured hosts (X's API base)
are trusted and not routed through here. An outgoing HTTP proxy would be the peer checked;
none is used.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError


def is_public_address(address: str) -> bool:
    """Globally routable unicast: not loopback, private, link-local, shared, reserved, multicast."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def refusal(host: str, address: str) -> str:
    return (
        f"{host} resolves to {address}, which is not a public internet address: "
        "amplifier only connects to public servers"
    )


class NotPublic(NewConnectionError):
    """A requests connection closed because its peer is not public (nothing was sent)."""


class NotPublicAddress(OSError):
    """An aiohttp host refused because it resolves to no public address (nothing was sent)."""


def _checked(conn: HTTPConnection, sock: socket.socket) -> socket.socket:
    peer = sock.getpeername()[0]
    if not is_public_address(peer):
        sock.close()
        raise NotPublic(conn, refusal(conn.host, peer))
    return sock


class _PublicHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _checked(self, super()._new_conn())


class _PublicHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _checked(self, super()._new_conn())


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


def public_only_pools(poolmanager: Any) -> None:
    """Make a urllib3 PoolManager (a requests adapter's) connect to public addresses only."""
    poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPPool, "https": _PublicHTTPSPool}


class PublicOnlyResolver(AbstractResolver):
    """aiohttp's default resolver, keeping only public answers (none: the host is refused)."""

    def __init__(self) -> None:
        self._inner = aiohttp.DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        public = [a for a in answers if is_public_address(a["host"])]
        if not public:
            address = answers[0]["host"] if answers else "no address"
            raise NotPublicAddress(refusal(host, address))
        return public

    async def close(self) -> None:
        await self._inner.close()
