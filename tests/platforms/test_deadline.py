"""The total deadline holds in the header phase too: a server trickling its status line.

The sandbox's trickle sends headers at once and trickles the body; here a bare socket server on
loopback sends even the status line one byte at a time, each byte well within a per-read
timeout, as a hostile server can.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from amplifier.platforms._aio import CallTimedOut as AsyncCallTimedOut
from amplifier.platforms._aio import bounded_session
from amplifier.platforms._http import AnyAnswer, CallTimedOut, RoutingAdapter

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
DEADLINE_S = 1.0
HANG_GUARD_S = 20.0  # the whole answer would take ~27 s; a hang guard, not a timing target


@pytest.fixture
def trickler() -> Iterator[str]:
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def answer(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                for byte in ANSWER:
                    if stop.wait(0.3):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                return

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/"
    stop.set()
    server.close()


def test_blocking_call_ends_at_the_deadline(trickler: str) -> None:
    session = requests.Session()
    session.mount("http://", RoutingAdapter(timeout=DEADLINE_S))
    began = time.monotonic()
    with pytest.raises(CallTimedOut, match="within 1 s"):
        session.get(trickler)
    assert time.monotonic() - began < HANG_GUARD_S


def test_release_call_ends_at_the_deadline_and_knows_it_was_sent(trickler: str) -> None:
    async def call() -> None:
        session = bounded_session(policy=AnyAnswer(), seconds=DEADLINE_S, limit=2)
        async with session, session.post(trickler, data=b"x") as response:
            await response.read()

    began = time.monotonic()
    with pytest.raises(AsyncCallTimedOut) as caught:
        asyncio.run(call())
    assert caught.value.sent  # written before the deadline: a post's outcome is unknown
    assert time.monotonic() - began < HANG_GUARD_S
