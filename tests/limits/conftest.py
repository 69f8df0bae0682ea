"""A real Redis for the limiter tests: `AMPLIFIER_TEST_REDIS_URL` when set (CI), else an
embedded redis-server for the session. Each test gets its own key prefix, deleted afterwards,
so the tests never flush a database someone else may be using.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis

from amplifier.services import Stack, start_embedded_redis

T = TypeVar("T")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("AMPLIFIER_TEST_REDIS_URL")
    if url:
        yield url
        return
    root: Path = tmp_path_factory.mktemp("limits-redis")
    with Stack(root / "logs") as stack:
        yield start_embedded_redis(stack, root / "data")


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
