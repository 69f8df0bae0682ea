"""Small helpers shared by the sandbox's handlers: bodies, bearer tokens, redirects, latency."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from aiohttp import web

from amplifier.sandbox.kit.state import HostState

STATE_KEY: web.AppKey[HostState] = web.AppKey("sandbox_state", HostState)


def host_state(request: web.Request) -> HostState:
    return request.app[STATE_KEY]


def dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def json_response(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        text=dumps(body), status=status, headers=headers, content_type="application/json"
    )


async def read_params(request: web.Request) -> dict[str, Any]:
    """A request body as a dict: JSON, or form-encoded (platforms accept either, somewhere)."""
    if not request.can_read_body:
        return {}
    if request.content_type == "multipart/form-data":
        form = await request.post()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    raw = await request.read()
    if not raw:
        return {}
    if request.content_type == "application/json":
        try:
            value = json.loads(raw)
        except ValueError:
            raise ValueError("invalid JSON") from None
        if not isinstance(value, dict):
            raise ValueError("JSON body must be an object")
        return value
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def basic_credentials(request: web.Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep:
        return None
    return unquote(user), unquote(password)


def with_query(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` added to its query string (kept parameters stay first)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend((k, v) for k, v in params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


async def apply_latency(state: HostState) -> None:
    ms = state.faults.latency_ms
    if ms > 0:
        await asyncio.sleep(ms / 1000)
