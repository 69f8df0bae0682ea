"""Connections opened before T are the ones the posts at T use: none is opened at T.

A small HTTP/1.1 keep-alive server on loopback counts the connections it accepts; the release's
bounded session opens some with `preconnect`, then posts through them.
"""

from __future__ import annotations

import asyncio
import socket

from amplifier.platforms._aio import bounded_session, preconnect
from amplifier.platforms._http import AnyAnswer

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class CountingServer:
    """Accepts connections, counts them, answers every request on them with `{}`."""

    def __init__(self) -> None:
        self.accepted = 0
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                self.requests += 1
                writer.write(ANSWER)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def _opened_then_posted(count: int) -> tuple[int, int, int, list[int]]:
    counting = CountingServer()
    server = await asyncio.start_server(counting.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    origin = f"http://127.0.0.1:{port}"
    async with bounded_session(policy=AnyAnswer(), seconds=5.0, limit=50) as session:
        opened = await preconnect(session, origin, count)
        await asyncio.sleep(0.1)  # the server's accept loop has run
        before = counting.accepted

        async def post() -> int:
            async with session.post(f"{origin}/2/tweets", json={"text": "hi"}) as response:
                await response.read()
                return response.status

        statuses = await asyncio.gather(*(post() for _ in range(count)))
    server.close()
    await server.wait_closed()
    return opened, before, counting.accepted, statuses


def test_posts_use_the_connections_opened_before_them() -> None:
    opened, before, after, statuses = asyncio.run(_opened_then_posted(5))
    assert opened == 5
    assert before == 5  # opened, nothing sent on them yet
    assert statuses == [200] * 5
    assert after == 5  # the five posts went out on them: no connection was opened for a post


def test_an_unreachable_origin_opens_nothing_and_raises_nothing() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def attempt() -> int:
        async with bounded_session(policy=AnyAnswer(), seconds=2.0, limit=5) as session:
            return await preconnect(session, f"http://127.0.0.1:{port}", 3)

    assert asyncio.run(attempt()) == 0
