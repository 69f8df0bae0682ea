"""Hosts a supporter names are reached only at public addresses (no SSRF into our network).

A plain TCP listener on loopback stands in for an internal service: it records every byte that
reaches it. Under the guard a connection to it is closed before anything is sent; without the
guard (local development) the same request arrives, which shows the listener would notice.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest

from amplifier.platforms.base import PlatformError, Rejected, TokenSet
from amplifier.platforms.egress import is_public_address
from amplifier.platforms.mastodon import MastodonAdapter, register_app


class InternalService:
    """Accepts connections on 127.0.0.1 and keeps what each one sent."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port: int = self._sock.getsockname()[1]
        self.received = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(0.5)
                try:
                    while chunk := conn.recv(4096):
                        self.received.extend(chunk)
                        if b"\r\n\r\n" in self.received:
                            conn.sendall(b"HTTP/1.1 500 Internal\r\nContent-Length: 0\r\n\r\n")
                            break
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()


@pytest.fixture
def internal() -> Iterator[InternalService]:
    service = InternalService()
    yield service
    service.close()


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:8.8.8.8", True),
        ("not an address", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def _register(base: str, *, public_only: bool) -> None:
    register_app(
        base,
        client_name="amplifier",
        redirect_uri="https://amplifier.example/cb",
        website=None,
        timeout=3.0,
        public_only=public_only,
    )


def test_a_name_resolving_to_loopback_gets_no_request(internal: InternalService) -> None:
    base = f"http://localhost:{internal.port}"  # a name: only the connected peer tells
    with pytest.raises(Rejected) as refused:  # not Transient: trying again cannot help
        _register(base, public_only=True)
    assert "not a public internet address" in str(refused.value.message)
    assert bytes(internal.received) == b""

    with pytest.raises(PlatformError):  # the listener answers 500: but the request arrived
        _register(base, public_only=False)
    assert b"POST /api/v1/apps" in internal.received


def test_the_release_fan_out_refuses_a_loopback_name_too(internal: InternalService) -> None:
    guarded = MastodonAdapter(
        instance_url=f"http://localhost:{internal.port}", client_id="c", client_secret="s"
    )

    async def post(adapter: MastodonAdapter) -> None:
        async with adapter.async_session(limit=4) as session:
            await adapter.publish_async(
                session, TokenSet(access_token="t"), "hello", idempotency_key="k"
            )

    with pytest.raises(Rejected) as refused:
        asyncio.run(post(guarded))
    assert "not a public internet address" in refused.value.message
    assert bytes(internal.received) == b""
