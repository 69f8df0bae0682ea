"""The share of a process's threads that outgoing platform calls may hold.

The web app serves every page from one pool of worker threads (40 with Starlette's defaults).
A pledge start or an OAuth callback calls a platform server while the visitor waits, and a
supporter chooses that server: one that answers slowly could otherwise tie up every thread, and
every page, `/healthz` included, would stop answering. While a request runs inside `sharing`
(the web app does so for each request), each outgoing call first takes one of `places` places,
without waiting; with none free it raises `PlatformsBusy` before anything is sent, and the page
asks the visitor to try again. Workers do not share: their calls are bounded by the release's
own concurrency settings.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

RETRY_AFTER_S = 30


class PlatformsBusy(Exception):
    """Every place for outgoing calls is taken: nothing was sent, try again shortly."""

    def __init__(self, places: int) -> None:
        super().__init__(
            f"amplifier is already waiting on {places} answers from platform servers; "
            f"nothing was sent or recorded. Please try again in {RETRY_AFTER_S} seconds."
        )
        self.places = places
        self.retry_after_s = RETRY_AFTER_S


class CallShare:
    """At most `places` outgoing calls at once among the requests that share it."""

    def __init__(self, places: int) -> None:
        if places < 1:
            raise ValueError("places must be at least 1")
        self.places = places
        self._free = threading.BoundedSemaphore(places)

    @contextmanager
    def place(self) -> Iterator[None]:
        if not self._free.acquire(blocking=False):
            raise PlatformsBusy(self.places)
        try:
            yield
        finally:
            self._free.release()


_SHARE: ContextVar[CallShare | None] = ContextVar("amplifier_call_share", default=None)


@contextmanager
def sharing(share: CallShare) -> Iterator[None]:
    """Outgoing calls made inside (in this context, threads it starts included) take a place."""
    token = _SHARE.set(share)
    try:
        yield
    finally:
        _SHARE.reset(token)


@contextmanager
def place() -> Iterator[None]:
    """A place for one outgoing call, if the current context shares; else no limit."""
    share = _SHARE.get()
    if share is None:
        yield
        return
    with share.place():
        yield
