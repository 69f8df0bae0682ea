"""A total deadline for one blocking HTTP call: connect and every read, not each read alone.

urllib3's timeouts (what requests, tweepy and requests_oauthlib use) bound each socket operation:
a server that sends one byte every 5 s never trips a 10 s read timeout, and a call can last for
ever. Here one watchdog thread holds the deadlines of the calls in flight; when one passes, the
sockets that call uses are shut down, so the blocked read returns at once and the call fails.

The connection pools of a transport are made to register each connection they hand out with the
call under way (a context variable set by the transport around the call), which works for any
pool class, the egress guard's included, without patching a library.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from urllib3.connectionpool import HTTPConnectionPool


class CallDeadline:
    """One call's time budget, in seconds of the monotonic clock."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expires_at = time.monotonic() + seconds
        self.expired = False
        self.finished = False
        self._lock = threading.Lock()
        self._connections: list[Any] = []

    def remaining(self) -> float:
        return max(0.0, self.expires_at - time.monotonic())

    def watch(self, connection: Any) -> None:
        """Remember a urllib3 connection this call uses (its socket may not exist yet)."""
        with self._lock:
            self._connections.append(connection)
            expired = self.expired
        if expired:
            _shut(connection)

    def expire(self) -> None:
        with self._lock:
            if self.finished:
                return
            self.expired = True
            connections = list(self._connections)
        for connection in connections:
            _shut(connection)

    def finish(self) -> None:
        with self._lock:
            self.finished = True
            self._connections.clear()


def _shut(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread expiring deadlines in order (started on first use)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, CallDeadline]] = []
        self._counter = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, deadline: CallDeadline) -> None:
        with self._cond:
            heapq.heappush(self._heap, (deadline.expires_at, next(self._counter), deadline))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="amplifier-call-deadlines", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                when, _, deadline = self._heap[0]
                wait = when - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
            deadline.expire()


_WATCHDOG = _Watchdog()
_CURRENT: ContextVar[CallDeadline | None] = ContextVar("amplifier_call_deadline", default=None)


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[CallDeadline]:
    """Run the block as one call with a total deadline of `seconds`."""
    call = CallDeadline(seconds)
    token = _CURRENT.set(call)
    _WATCHDOG.add(call)
    try:
        yield call
    finally:
        call.finish()
        _CURRENT.reset(token)


_POOLS: dict[type[HTTPConnectionPool], type[HTTPConnectionPool]] = {}
_POOLS_LOCK = threading.Lock()


def deadline_pool(base: type[HTTPConnectionPool]) -> type[HTTPConnectionPool]:
    """A subclass of `base` whose connections join the deadline of the call under way."""
    with _POOLS_LOCK:
        made = _POOLS.get(base)
        if made is None:

            def _get_conn(self: HTTPConnectionPool, timeout: float | None = None) -> Any:
                connection = base._get_conn(self, timeout)
                call = _CURRENT.get()
                if call is not None:
                    call.watch(connection)
                return connection

            made = type(f"Deadline{base.__name__}", (base,), {"_get_conn": _get_conn})
            _POOLS[base] = made
        return made


def bound_pools(poolmanager: Any) -> None:
    """Make a urllib3 PoolManager's pools (whatever their class) honour call deadlines."""
    poolmanager.pool_classes_by_scheme = {
        scheme: deadline_pool(cls) for scheme, cls in poolmanager.pool_classes_by_scheme.items()
    }
