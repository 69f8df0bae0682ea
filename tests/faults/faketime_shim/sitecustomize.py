"""Put on PYTHONPATH only for a process run under libfaketime with FAKETIME_DONT_FAKE_MONOTONIC=1.

In that mode libfaketime 0.9.10 answers EINVAL to Python's `time.sleep` (which waits with
clock_nanosleep on CLOCK_MONOTONIC until an absolute deadline); without it, every timed lock wait
(threading, queue) never returns. So the wall clock is skewed, the monotonic clock stays true,
and `time.sleep` becomes the same wait done as a timed lock acquire, which works in that mode.
Nothing else of the process is touched.
"""

from __future__ import annotations

import os
import threading
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    if seconds == 0:
        os.sched_yield()
        return
    lock = threading.Lock()
    lock.acquire()
    lock.acquire(timeout=min(seconds, threading.TIMEOUT_MAX))


if os.environ.get("FAKETIME") and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":
    time.sleep = _sleep  # type: ignore[assignment]
