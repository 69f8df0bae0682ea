"""A firer's database calls outlive a database blip: retried with backoff for a bounded time.

A PostgreSQL restart, a failover or a dropped connection ends the statement in flight with an
`OperationalError` (or `InterfaceError`) whatever the query; the pool's pre-ping then opens a
fresh connection on the next try. A firer that died on the first such error would drop the
answers it had already received and strand the rows it had claimed, so every database call of
the release engine goes through `call_db`: a connection-level failure is retried with
exponential backoff (0.1 s doubling to 2 s) until `DB_RETRY_WINDOW_S` has passed, then raised.
Errors of the statement itself (a constraint, a bad query) are raised at once: retrying cannot
help them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import sqlalchemy.exc as sa_exc

log = logging.getLogger(__name__)
DB_RETRY_WINDOW_S = 60.0
_FIRST_BACKOFF_S = 0.1
_MAX_BACKOFF_S = 2.0

P = ParamSpec("P")
T = TypeVar("T")


def is_connection_error(exc: BaseException) -> bool:
    """True for failures of the connection rather than of the statement (server gone, restart,
    terminated backend, refused connection), which a new connection may not meet again."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError)


async def call_db(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run the blocking `fn(*args, **kwargs)` in a thread; retry connection failures.

    Raises the last error once DB_RETRY_WINDOW_S has passed since the first failure. `fn` must
    be safe to run again: each try is its own transaction (a failed one was rolled back).
    """
    delay = _FIRST_BACKOFF_S
    give_up_at: float | None = None
    while True:
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            now = time.monotonic()
            if give_up_at is None:
                give_up_at = now + DB_RETRY_WINDOW_S
            if now >= give_up_at:
                raise
            log.warning("database unreachable (%s): retrying in %.1fs", type(exc).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(_MAX_BACKOFF_S, delay * 2)
