"""Answers a hostile or broken platform server gives: the sandbox's `answer_fault` modes.

Set with `POST /_sandbox/faults {"answer_fault": KIND, "answer_fault_next": N, ...}`: the next N
requests in the faults' `scope` ("posts": creating a post, at the paths the emulator declares;
"all": every API call, OAuth pages
included; never the /_sandbox/ admin API) get KIND. Before the handler runs (nothing is done):

    html_error        `error_status` with an HTML error page (text/html), as a proxy or CDN sends
    plain_text_error  `error_status` with a plain-text reason phrase (text/plain)
    html_as_json      `error_status` with an HTML page typed application/json
    drop_before       the connection is closed without an answer

After the handler ran (a post IS stored), its answer is spoiled:

    truncated_json    the status and headers as they were, the JSON body cut in half
    trickle           the whole answer, one byte every `trickle_interval_s` seconds
    huge              the answer's JSON object padded to `huge_bytes` (valid JSON, streamed)
    drop_after        the connection is closed without an answer

`retry_after_s` > 0 adds `Retry-After` to the "before" kinds (e.g. a plain-text 429).
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from aiohttp import web
from aiohttp.typedefs import Handler

from amplifier.sandbox.kit.faults import ANSWER_FAULTS_BEFORE, Faults
from amplifier.sandbox.kit.web_util import host_state

CHUNK = 64 * 1024
_HTML = (
    "<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>\n"
    "<body><center><h1>{status} {reason}</h1></center><hr><center>nginx</center></body></html>\n"
)


@web.middleware
async def hostile_answers(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/_sandbox/"):
        return await handler(request)
    state = host_state(request)
    faults = state.faults
    kind = faults.take_answer_fault(state.dialect.creates_post(request))
    if kind is None:
        return await handler(request)
    if kind in ANSWER_FAULTS_BEFORE:
        return await _before(request, kind, faults)
    answer = await handler(request)
    return await _after(request, answer, kind, faults)


def _reason(status: int) -> str:
    with contextlib.suppress(ValueError):
        from http import HTTPStatus

        return HTTPStatus(status).phrase
    return "Error"


def _drop(request: web.Request) -> web.StreamResponse:
    if request.transport is not None:
        request.transport.close()
    raise asyncio.CancelledError  # aiohttp ends the request quietly; nothing is written


async def _before(request: web.Request, kind: str, faults: Faults) -> web.StreamResponse:
    if kind == "drop_before":
        return _drop(request)
    status = faults.error_status
    headers = {"Retry-After": str(faults.retry_after_s)} if faults.retry_after_s > 0 else {}
    page = _HTML.format(status=status, reason=_reason(status))
    if kind == "plain_text_error":
        return web.Response(text=_reason(status), status=status, headers=headers)
    content_type = "application/json" if kind == "html_as_json" else "text/html"
    return web.Response(text=page, status=status, headers=headers, content_type=content_type)


def _body_of(answer: web.StreamResponse) -> bytes:
    body = answer.body if isinstance(answer, web.Response) else None
    return body if isinstance(body, bytes) else b"{}"


def _kept_headers(answer: web.StreamResponse) -> dict[str, str]:
    return {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}


async def _after(
    request: web.Request, answer: web.StreamResponse, kind: str, faults: Faults
) -> web.StreamResponse:
    if kind == "drop_after":
        return _drop(request)
    body = _body_of(answer)
    headers = _kept_headers(answer)
    if kind == "truncated_json":
        return web.Response(body=body[: len(body) // 2], status=answer.status, headers=headers)
    stream = web.StreamResponse(status=answer.status, headers=headers)
    if kind == "trickle":
        stream.content_length = len(body)
        await stream.prepare(request)
        with contextlib.suppress(ConnectionError):
            for i in range(len(body)):
                await stream.write(body[i : i + 1])
                await asyncio.sleep(faults.trickle_interval_s)
        return stream
    return await _huge(request, stream, body, faults.huge_bytes)


async def _huge(
    request: web.Request, stream: web.StreamResponse, body: bytes, size: int
) -> web.StreamResponse:
    """The answer's JSON object with a padding member, `size` bytes in all, never in memory."""
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    head = (
        body.rstrip()[:-1] + b',"padding":"'
        if isinstance(parsed, dict) and parsed
        else (b'{"padding":"')
    )
    tail = b'"}'
    pad = max(0, size - len(head) - len(tail))
    stream.content_length = len(head) + pad + len(tail)
    await stream.prepare(request)
    with contextlib.suppress(ConnectionError):
        await stream.write(head)
        block = b"x" * CHUNK
        while pad > 0:
            await stream.write(block[: min(pad, CHUNK)])
            pad -= CHUNK
        await stream.write(tail)
    return stream
