"""`GET /metrics` for Prometheus, and the middleware that times every request by route.

The endpoint answers only a scraper holding `AMPLIFIER_METRICS_TOKEN` as a bearer token
(`Authorization: Bearer …`, Prometheus' `authorization` scrape setting); without the setting it
is 404, as if absent. The text is prometheus-client's exposition format (amplifier/metrics.py).

Latency is labelled by the route's template (`/c/{slug}`), never the raw path: a raw path
would make one series per campaign and per signed link, and would put the signatures in the
metrics.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, HTTPException, Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from amplifier import metrics
from amplifier.crypto import same_secret
from amplifier.web.deps import RuntimeDep

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
def metrics_page(request: Request, rt: RuntimeDep) -> Response:
    expected = rt.settings.metrics_token
    if not expected:
        raise HTTPException(404, "Not Found")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not same_secret(expected, given.strip()):
        raise HTTPException(401, "a bearer token is needed", headers={"WWW-Authenticate": "Bearer"})
    body = metrics.scrape(rt.db)
    return Response(
        body, media_type=metrics.CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"}
    )


def route_of(scope: Scope) -> str:
    """The matched route's template; a mount's prefix; "unmatched" for a 404."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    root = scope.get("root_path", "")
    return root if root else "unmatched"


class RequestTimer:
    """Observes each HTTP request's time to its response's first byte, by method and route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen = False

        async def timed_send(message: Message) -> None:
            nonlocal seen
            if message["type"] == "http.response.start" and not seen:
                seen = True
                elapsed = time.perf_counter() - started
                metrics.web_request(scope["method"], route_of(scope), elapsed)
            await send(message)

        await self.app(scope, receive, timed_send)
