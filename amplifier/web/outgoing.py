"""The web app's share of outgoing platform calls (platforms/budget.py), and the page when full.

Every request runs inside the app's `CallShare`: an outgoing call made while a visitor waits
takes one of `AMPLIFIER_WEB_PLATFORM_CALLS` places (10 by default, of the 40 worker threads),
or fails at once with `PlatformsBusy`, answered here as 503 with `Retry-After` and a page that
says nothing was recorded and when to try again. The other threads keep serving every page.
"""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from amplifier.platforms.budget import CallShare, PlatformsBusy, sharing
from amplifier.web.rendering import message_page

_PLEDGE_START = re.compile(r"^/c/([^/]+)/pledge$")


class _Sharing:
    """A pure ASGI middleware: the request (and the threads it uses) shares `share`."""

    def __init__(self, app: ASGIApp, share: CallShare) -> None:
        self.app = app
        self.share = share

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with sharing(self.share):
            await self.app(scope, receive, send)


def install(app: FastAPI, places: int) -> None:
    app.add_middleware(_Sharing, share=CallShare(places))

    @app.exception_handler(PlatformsBusy)
    async def platforms_busy(request: Request, exc: PlatformsBusy) -> Response:
        headers = {"Retry-After": str(exc.retry_after_s)}
        if request.url.path.startswith("/api"):
            return JSONResponse({"message": str(exc)}, status_code=503, headers=headers)
        start = _PLEDGE_START.match(request.url.path)
        return message_page(
            request,
            "Too many sign-ins at this moment",
            str(exc),
            503,
            back_url=f"/c/{start.group(1)}" if start else None,
            headers=headers,
        )
