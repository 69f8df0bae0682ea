"""The limiter tests run on the real Redis of `redis_url` (tests/conftest.py). Each test gets
its own key prefix, deleted afterwards, so the tests never flush a database someone else may be
using.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest
import redis

T = TypeVar("T")


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    value = f"test-limits:{uuid.uuid4().hex}"
    yield value
    client = redis.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(f"{value}:*"):
            client.delete(key)
    finally:
        client.close()


def run(coro: Coroutine[Any, Any, T]) -> T:
    """pytest-asyncio is not a dependency: each test drives its own event loop."""
    return asyncio.run(coro)
