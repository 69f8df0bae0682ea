"""Fixtures for the web app's defences: an in-process client on a fresh runtime, settings
adjusted per test, a Redis shared like the web processes share it, and helpers that behave
like a browser (cookie jar, form tokens read from the page)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from amplifier.models import Campaign
from amplifier.runtime import Runtime
from amplifier.web.app import create_app
from tests import factories

ClientFactory = Callable[..., TestClient]


@pytest.fixture
def make_client(runtime: Runtime) -> Iterator[ClientFactory]:
    """make_client(client=(host, port), **settings overrides) -> a TestClient on a new app."""
    clients: list[TestClient] = []

    def make(
        client: tuple[str, int] = ("203.0.113.7", 40000),
        base_url: str | None = None,
        **overrides: Any,
    ) -> TestClient:
        for key, value in overrides.items():
            setattr(runtime.settings, key, value)
        if base_url is None:  # a Secure cookie is only sent back over https
            https = runtime.settings.public_url.startswith("https://")
            base_url = "https://testserver" if https else "http://testserver"
        test_client = TestClient(
            create_app(runtime), base_url=base_url, raise_server_exceptions=False, client=client
        )
        test_client.__enter__()
        clients.append(test_client)
        return test_client

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    return make_client()


@pytest.fixture
def campaign(runtime: Runtime) -> Campaign:
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        return factories.campaign(session, owner.owner.id)


@pytest.fixture
def owner_token(runtime: Runtime) -> str:
    with runtime.db.session() as session:
        return factories.owner(session, name="API owner").token


def api_routes(app: Any) -> list[APIRoute]:
    """Every APIRoute of the app, inside included routers too (FastAPI nests them)."""
    found: list[APIRoute] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.append(route)
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(list(inner.routes))

    walk(list(app.routes))
    return found
