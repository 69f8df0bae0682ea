"""What the emulated host answered: counts by route and status, for tests and load runs.

`GET /_sandbox/stats` -> {"answers": {"POST /api/posts": {"201": n, "429": m}, ...}}, counted
since the host started or since the last `POST /_sandbox/reset`. A client that paces itself to
the announced rate-limit windows shows few 429s here; one that resends everything at each reset
shows many. The sandbox's own `/_sandbox/*` routes are not counted.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from aiohttp import web
from aiohttp.typedefs import Handler

from amplifier.sandbox.kit.web_util import json_response

_COUNTS = web.AppKey("answer_counts", defaultdict)


@web.middleware
async def count_answers(request: web.Request, handler: Handler) -> web.StreamResponse:
    counts: defaultdict[str, Counter[int]] = request.app[_COUNTS]
    if request.path.startswith("/_sandbox/"):
        if request.path == "/_sandbox/reset" and request.method == "POST":
            counts.clear()
        return await handler(request)
    route = request.match_info.route.resource
    name = f"{request.method} {route.canonical if route is not None else request.path}"
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        counts[name][exc.status] += 1
        raise
    counts[name][response.status] += 1
    return response


async def stats(request: web.Request) -> web.StreamResponse:
    counts: defaultdict[str, Counter[int]] = request.app[_COUNTS]
    answers = {name: {str(k): v for k, v in sorted(c.items())} for name, c in counts.items()}
    return json_response({"answers": answers})


def install(app: web.Application) -> None:
    app[_COUNTS] = defaultdict(Counter)
    app.middlewares.append(count_answers)
    app.router.add_get("/_sandbox/stats", stats)
