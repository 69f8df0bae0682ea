"""LinkedIn's member endpoints: OpenID Connect's userinfo and the Posts API.

Facts, and where they come from:

* ``GET /v2/userinfo`` (scopes ``openid profile``; "Sign In with LinkedIn using OpenID
  Connect", https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2):
  ``{"sub", "name", "given_name", "family_name", "picture", "locale"}``.
* ``POST /rest/posts`` ("Posts API",
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api):
  every call needs ``LinkedIn-Version: YYYYMM`` and ``X-Restli-Protocol-Version: 2.0.0``; the
  body ``{author, commentary, visibility, distribution: {feedDistribution}, lifecycleState}``;
  ``w_member_social`` posts as the member (``urn:li:person:{sub}``); 201, empty body, the post's
  URN in ``x-restli-id``. The commentary is little text (``little.py``), at most 3,000
  characters. ``GET /rest/posts?q=author&author={urn}`` lists an author's posts (needs
  ``r_member_social``), ``{"elements": [...], "paging": {...}}``.
* A post may name one image it owns in ``content.media`` (``images.py``, the Images API).
* Versions ("LinkedIn API versioning", https://learn.microsoft.com/en-us/linkedin/marketing/versioning):
  monthly, each supported for at least a year; a missing header is a 400, a sunset version a
  426. This emulator supports the twelve months before the current one and the current one.
* Errors are Rest.li's ``{"status", "serviceErrorCode", "code", "message"}``. Daily limits per
  member and per app are not published and have no documented headers; the window headers this
  emulator adds are its own (``x-sandbox-*``), and its 429 says ``Retry-After``.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from amplifier.sandbox.emulators.linkedin.little import escape, render
from amplifier.sandbox.kit.dialect import RateHeaders, RateWindow
from amplifier.sandbox.kit.preamble import Call, after_accept, endpoint
from amplifier.sandbox.kit.state import Post, now
from amplifier.sandbox.kit.web_util import json_response, read_params

MAX_COMMENTARY = 3000
MEMBER_HEADERS = RateHeaders(
    "x-sandbox-member-limit", "x-sandbox-member-remaining", "x-sandbox-member-reset"
)
APP_HEADERS = RateHeaders("x-sandbox-app-limit", "x-sandbox-app-remaining", "x-sandbox-app-reset")
POST_WINDOWS = (
    RateWindow("member_posts", "user", MEMBER_HEADERS),
    RateWindow("app_posts", "client", APP_HEADERS),
)


def restli_error(
    status: int,
    message: str,
    code: str = "",
    service_code: int | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body: dict[str, Any] = {"status": status, "message": message}
    if code:
        body["code"] = code
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    return json_response(body, status, headers)


def supported_versions(at: float | None = None) -> list[str]:
    """The YYYYMM versions answered: this month and the twelve before it."""
    t = time.gmtime(at if at is not None else time.time())
    months = t.tm_year * 12 + t.tm_mon - 1
    return [f"{m // 12:04d}{m % 12 + 1:02d}" for m in range(months - 12, months + 1)]


def version_problem(request: web.Request) -> web.Response | None:
    version = request.headers.get("LinkedIn-Version", "").strip()
    if not version:
        return restli_error(
            400,
            "A version must be present. Please specify a version by adding the "
            "LinkedIn-Version header.",
            "VERSION_MISSING",
        )
    if not (len(version) == 6 and version.isdigit()):
        return restli_error(400, f"Invalid version format: {version}", "INVALID_VERSION")
    supported = supported_versions()
    if version < supported[0]:
        return restli_error(
            426, f"Requested version {version} is not active", "NONEXISTENT_VERSION"
        )
    if version not in supported:
        return restli_error(
            400, f"Requested version {version} is not active", "NONEXISTENT_VERSION"
        )
    if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
        return restli_error(400, "X-Restli-Protocol-Version 2.0.0 is required", "ILLEGAL_ARGUMENT")
    return None


def urn_of(user_id: str) -> str:
    return f"urn:li:person:{user_id}"


@endpoint(bearer=True, any_scope=("openid",), scopes=("profile",))
async def userinfo(call: Call) -> web.StreamResponse:
    user = call.user
    given, _, family = user.name.partition(" ")
    return call.answer(
        {
            "sub": user.id,
            "email_verified": True,
            "name": user.name,
            "given_name": given,
            "family_name": family,
            "locale": {"country": "US", "language": "en"},
            "picture": "https://media.licdn.com/dms/image/sandbox/profile.jpg",
        }
    )


def _post_problem(call: Call, body: dict[str, Any]) -> web.Response | None:
    author = body.get("author")
    if author != urn_of(call.user.id):
        return restli_error(
            403,
            "Unpermitted fields present in REQUEST_BODY: Data Processing Exception while "
            "processing fields [/author]",
            "ACCESS_DENIED",
            100,
        )
    commentary = body.get("commentary")
    if not isinstance(commentary, str):
        return restli_error(
            422, "/commentary :: field is required but not found", "UNPROCESSABLE_ENTITY"
        )
    if len(commentary.encode("utf-16-le")) // 2 > MAX_COMMENTARY:
        return restli_error(
            422,
            f"/commentary :: length exceeds the maximum of {MAX_COMMENTARY}",
            "UNPROCESSABLE_ENTITY",
        )
    if body.get("visibility") not in ("PUBLIC", "CONNECTIONS", "LOGGED_IN"):
        return restli_error(422, "/visibility :: invalid value", "UNPROCESSABLE_ENTITY")
    if body.get("lifecycleState") not in ("PUBLISHED", "DRAFT"):
        return restli_error(422, "/lifecycleState :: invalid value", "UNPROCESSABLE_ENTITY")
    distribution = body.get("distribution")
    if not isinstance(distribution, dict) or distribution.get("feedDistribution") not in (
        "MAIN_FEED",
        "NONE",
    ):
        return restli_error(
            422,
            "/distribution/feedDistribution :: field is required but not found",
            "UNPROCESSABLE_ENTITY",
        )
    return None


@endpoint(bearer=True, windows=POST_WINDOWS, scopes=("w_member_social",))
async def create_post(call: Call) -> web.StreamResponse:
    refused = version_problem(call.request)
    if refused is not None:
        return refused
    try:
        body = await read_params(call.request)
    except ValueError:
        return restli_error(400, "Request body is not valid JSON", "ILLEGAL_ARGUMENT")
    refused = _post_problem(call, body)
    if refused is not None:
        return refused
    from amplifier.sandbox.emulators.linkedin.images import media_of_post  # it imports this

    media = media_of_post(call, body)
    if isinstance(media, web.Response):
        return media
    state, user = call.state, call.user
    shown = render(str(body["commentary"]))  # cut at a stray reserved character, silently
    last = state.recent_texts.get((user.id, shown))
    if last is not None and now() - last < state.faults.duplicate_window_s:
        previous = next(p for p in reversed(state.posts_by_user[user.id]) if p.text == shown)
        return restli_error(
            422, f"Content is a duplicate of urn:li:share:{previous.id}", "DUPLICATE_POST"
        )
    post = state.store_post(user, shown, media=media)
    state.recent_texts[(user.id, shown)] = post.created_at
    spoiled = await after_accept(call)
    if spoiled is not None:
        return spoiled
    answer = web.Response(status=201, headers={"x-restli-id": f"urn:li:share:{post.id}"})
    return answer


@endpoint(bearer=True, scopes=("r_member_social",))
async def find_posts(call: Call) -> web.StreamResponse:
    refused = version_problem(call.request)
    if refused is not None:
        return refused
    q = call.request.query
    if q.get("q") != "author":
        return restli_error(400, "Finder q is required: author", "ILLEGAL_ARGUMENT")
    author = q.get("author", "")
    if author != urn_of(call.user.id):
        return restli_error(403, "Not enough permissions to access: author", "ACCESS_DENIED", 100)
    try:
        count = min(100, max(1, int(q.get("count", "10"))))
    except ValueError:
        return restli_error(400, "count must be a number", "ILLEGAL_ARGUMENT")
    posts = list(reversed(call.state.posts_by_user.get(call.user.id, [])))[:count]
    elements = [
        {
            **_content(p),
            "id": f"urn:li:share:{p.id}",
            "author": author,
            "commentary": escape(p.text),
            "visibility": "PUBLIC",
            "lifecycleState": "PUBLISHED",
            "createdAt": int(p.created_at * 1000),
            "distribution": {"feedDistribution": "MAIN_FEED"},
        }
        for p in posts
    ]
    return call.answer({"elements": elements, "paging": {"start": 0, "count": count, "links": []}})


def _content(post: Post) -> dict[str, Any]:
    if not post.media:
        return {}
    media = post.media[0]
    return {"content": {"media": {"id": f"urn:li:image:{media.id}", "altText": media.description}}}


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v2/userinfo", userinfo)
    app.router.add_post("/rest/posts", create_post)
    app.router.add_get("/rest/posts", find_posts)
