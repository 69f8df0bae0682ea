"""X's answers: problem JSON ("Response codes and errors",
https://docs.x.com/x-api/fundamentals/response-codes-and-errors).

``{"title", "detail", "type", "status"}``, ``type`` ``about:blank`` for generic ones and
``https://api.twitter.com/2/problems/invalid-request`` (with ``errors``) for bad parameters; a
missing resource is a 200 with ``errors`` of type ``.../resource-not-found``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiohttp import web

from amplifier.sandbox.kit.web_util import json_response

INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"


def problem(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> web.Response:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    reason = title or phrase
    body: dict[str, Any] = dict(extra or {})
    body.update({"title": reason, "detail": detail or reason, "type": type_, "status": status})
    return json_response(body, status, headers)


def invalid_request(parameter: str, value: str, message: str) -> web.Response:
    return problem(
        400,
        "One or more parameters to your request was invalid.",
        title="Invalid Request",
        type_=INVALID_REQUEST,
        extra={"errors": [{"parameters": {parameter: [value]}, "message": message}]},
    )


def not_found(resource: str, parameter: str, value: str) -> dict[str, str]:
    """One entry of ``errors`` in a 200 answer about a resource that does not exist."""
    return {
        "value": value,
        "detail": f"Could not find {resource} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource,
        "parameter": parameter,
        "resource_id": value,
        "type": NOT_FOUND,
    }


def fields(request: web.Request, name: str, known: frozenset[str]) -> set[str] | web.Response:
    """The fields a ``*.fields`` query parameter asks for, or the 400 for an unknown one."""
    raw = request.query.get(name, "")
    asked = {f for f in raw.split(",") if f}
    unknown = asked - known
    if unknown:
        bad = sorted(unknown)[0]
        return invalid_request(
            name,
            bad,
            f"The `{name}` query parameter value [{bad}] is not one of the allowed values.",
        )
    return asked
