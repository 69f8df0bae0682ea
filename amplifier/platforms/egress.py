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

_V6 = ipaddress.IPv6Network
# IPv6 ranges refused whole, whatever Python's `is_global` says in this version (the IANA IPv6
# Special-Purpose Address Registry, RFC 6890): IPv4-compatible ::/96 (deprecated, RFC 4291
# 2.5.5.1, and `::7f00:1` is 127.0.0.1), NAT64 local-use 64:ff9b:1::/48 (RFC 8215: never global),
# discard-only, documentation, site-local (deprecated, RFC 3879), SRv6 SIDs (RFC 9602).
_NOT_GLOBAL_V6 = tuple(
    _V6(n)
    for n in [
        "::/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001:db8::/32",
        "3fff::/20",
        "fec0::/10",
        "5f00::/16",
    ]
)
_NAT64 = _V6("64:ff9b::/96")  # RFC 6052 well-known prefix: the IPv4 address is the last 32 bits
_IPV4_TRANSLATED = _V6("::ffff:0:0:0/96")  # RFC 2765 SIIT: the last 32 bits too


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address] | None:
    """The IPv4 addresses an IPv6 transition form leads to, or None if `ip` is not one.

    IPv4-mapped `::ffff:a.b.c.d`, IPv4-translated `::ffff:0:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`
    (the last 32 bits), 6to4 `2002:AABB:CCDD::/48` (bits 16 to 47), Teredo `2001:0:SSSS:SSSS::`
    (the server in bits 32 to 63 and the client in the inverted last 32 bits, RFC 4380): a packet
    to such an address reaches its IPv4 address, so that address is what must be public.
    """
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip in _NAT64 or ip in _IPV4_TRANSLATED:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        server, client = ip.teredo
        return [server, client]
    return None


def _public_v4(ip: ipaddress.IPv4Address) -> bool:
    return ip.is_global and not ip.is_multicast


def is_public_address(address: str) -> bool:
    """Globally routable unicast: not loopback, private, link-local, shared, reserved, multicast.

    `address` is an IP literal as a socket or resolver gives it (an IPv6 zone id is ignored);
    anything else is False. An IPv6 form that carries an IPv4 address (see `embedded_ipv4`) is
    public only if every IPv4 address it leads to is; any other IPv6 must be global unicast and
    outside `_NOT_GLOBAL_V6`.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv4Address):
        return _public_v4(ip)
    if any(ip in network for network in _NOT_GLOBAL_V6):
        return False
    carried = embedded_ipv4(ip)
    if carried is not None:
        return all(_public_v4(v4) for v4 in carried)
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
