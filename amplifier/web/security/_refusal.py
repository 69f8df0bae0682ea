"""How the security layer refuses a request: a page for people, JSON for the owner API.

Every refusal says what happened and what to do, like the rest of the app's answers.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi.responses import JSONResponse, Response
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from amplifier.web.rendering import message_page

BODY_KEY = "amplifier.body"  # the request body, once read (and size-checked) by BodyLimit


def is_api(path: str) -> bool:
    """The owner API: Bearer tokens, JSON answers, no cookies (so no CSRF token needed)."""
    return path == "/api" or path.startswith("/api/")


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header, or None."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def refuse(
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    status: int,
    title: str,
    message: str,
    api_message: str | None = None,
    headers: Mapping[str, str] | None = None,
    back: tuple[str, str] | None = None,
) -> None:
    """Answer `status` without calling the app: JSON under /api, a page elsewhere."""
    request = Request(scope, receive)
    extra = dict(headers or {})
    response: Response
    if is_api(scope["path"]):
        text = api_message or message
        response = JSONResponse({"message": text, "detail": text}, status, headers=extra)
    elif back is not None:
        response = message_page(
            request, title, message, status, back_url=back[0], back_label=back[1], headers=extra
        )
    else:
        response = message_page(request, title, message, status, headers=extra)
    await response(scope, receive, send)
