"""Request bodies are read whole, up to a limit, before the app sees them: larger answers 413.

Our forms send a few hundred bytes and a campaign at every field's max_length stays far below
the API's limit, so only abuse is refused. Reading the body here (at most the limit) also lets
the CSRF check look at a form without consuming what the route will parse.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from amplifier.web.security._refusal import BODY_KEY, header, is_api, refuse


def _kib(n: int) -> str:
    return f"{n // 1024} KiB" if n % 1024 == 0 else f"{n} bytes"


UPLOAD_SUFFIX = "/image"  # an owner's image upload (web/image_api.py): its own, larger limit
UPLOAD_BYTES = 21 * 1024 * 1024  # the largest image accepted (media/images.py) and its form


class BodyLimitMiddleware:
    def __init__(
        self, app: ASGIApp, *, form_bytes: int, api_bytes: int, upload_bytes: int = UPLOAD_BYTES
    ) -> None:
        self.app = app
        self.form_bytes = form_bytes
        self.api_bytes = api_bytes
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.api_bytes if is_api(scope["path"]) else self.form_bytes
        if scope["path"].endswith(UPLOAD_SUFFIX) and scope["method"] in ("POST", "PUT"):
            limit = self.upload_bytes
        declared = header(scope, b"content-length")
        too_large = declared is not None and (not declared.isdigit() or int(declared) > limit)
        body = b""
        if not too_large:
            try:
                read = await _read(receive, limit)
            except ClientDisconnect:
                return  # nobody is listening for an answer
            too_large = read is None
            body = read or b""
        if too_large:
            await refuse(
                scope,
                receive,
                send,
                status=413,
                title="This form is too large",
                message=f"It sent more than {_kib(limit)}, far more than any amplifier form "
                "needs, so nothing was read or recorded. Go back, reload the page and send "
                "the form again as it is.",
                api_message=f"the request body is larger than the {_kib(limit)} this API "
                "accepts; nothing was recorded. Send a smaller JSON object.",
            )
            return
        scope[BODY_KEY] = body
        await self.app(scope, replay(body, receive), send)


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands out `body` once, then waits on the real one (for disconnects)."""
    sent = False

    async def receive_again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again
