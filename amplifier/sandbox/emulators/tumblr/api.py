"""The Tumblr API v2 endpoints: the user's blogs, creating an NPF post, a blog's posts.

Facts, and where they come from (https://www.tumblr.com/docs/en/api/v2 and the Neue Post
Format, https://www.tumblr.com/docs/npf):

* Every answer is ``{"meta": {"status", "msg"}, "response": …}``; errors add ``"errors":
  [{"title", "code", "detail"}]``.
* ``GET /v2/user/info`` (scope ``basic``): ``response.user`` with ``name``, ``likes``,
  ``following``, ``default_post_format`` and ``blogs`` (``name``, ``title``, ``url``,
  ``uuid`` "t:…", ``primary``, ``followers``, ``admin``). Here each user has two blogs: their
  primary one, named as they are, and ``{name}-side``.
* ``POST /v2/blog/{blog-identifier}/posts`` (scope ``write``): JSON ``{"content": [blocks],
  "state", "tags"}``; a text block needs ``text``, a link block an http(s) ``url``; ``state``
  one of published, queue, draft, private. 201 ``{"response": {"id": "…", "state",
  "display_text"}}``. A blog the user cannot post to: 403; an unknown blog: 404; bad content:
  400. The request may be multipart, the images' bytes in parts of their own (``media.py``).
* ``GET /v2/blog/{blog-identifier}/posts?npf=true&limit=`` (up to 20): newest first, each with
  ``id`` (a number), ``id_string``, ``blog_name``, ``post_url``, ``timestamp``, ``content``.
* Rate limits ("Rate Limits"): 1,000 calls an hour and 5,000 a day per app key
  (``X-Ratelimit-Perhour-*``, ``X-Ratelimit-Perday-*``), 250 new posts a day per user (no
  documented header: this emulator's own ``x-sandbox-user-posts-*``), 429 "Limit Exceeded".
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from amplifier.sandbox.emulators.tumblr.media import Refused, image_problem, read_post, take_uploads
from amplifier.sandbox.kit.dialect import RateHeaders, RateWindow
from amplifier.sandbox.kit.preamble import Call, after_accept, endpoint
from amplifier.sandbox.kit.state import User
from amplifier.sandbox.kit.web_util import json_response

STATUS_WORDS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Limit Exceeded",
    500: "Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
BLOCK_TYPES = frozenset({"text", "link", "image", "audio", "video", "paywall", "poll"})
STATES = frozenset({"published", "queue", "draft", "private"})
PER_HOUR = RateHeaders(
    "X-Ratelimit-Perhour-Limit", "X-Ratelimit-Perhour-Remaining", "X-Ratelimit-Perhour-Reset"
)
PER_DAY = RateHeaders(
    "X-Ratelimit-Perday-Limit", "X-Ratelimit-Perday-Remaining", "X-Ratelimit-Perday-Reset"
)
USER_POSTS = RateHeaders(
    "x-sandbox-user-posts-limit", "x-sandbox-user-posts-remaining", "x-sandbox-user-posts-reset"
)
READ_WINDOWS = (
    RateWindow("app_hour", "client", PER_HOUR),
    RateWindow("app_day", "client", PER_DAY, limit=5000, window_s=86_400),
)
POST_WINDOWS = (RateWindow("user_posts", "user", USER_POSTS), *READ_WINDOWS)


def error(
    status: int, detail: str, code: int = 0, headers: dict[str, str] | None = None
) -> web.Response:
    words = STATUS_WORDS.get(status, "Error")
    body = {
        "meta": {"status": status, "msg": words},
        "response": [],
        "errors": [{"title": words, "code": code, "detail": detail}],
    }
    return json_response(body, status, headers)


def ok(call: Call, response: object, status: int = 200) -> web.Response:
    words = "Created" if status == 201 else "OK"
    return call.answer({"meta": {"status": status, "msg": words}, "response": response}, status)


def blog_names(user: User) -> list[str]:
    name = user.username.lower().replace("_", "-")
    return [name, f"{name}-side"]


def _blog_json(call: Call, user: User, name: str, primary: bool) -> dict[str, Any]:
    base = call.state.config.base_url.rstrip("/")
    return {
        "name": name,
        "title": f"{user.name}'s {'blog' if primary else 'side blog'}",
        "url": f"{base}/{name}",
        "uuid": f"t:{user.id}{'' if primary else '-side'}",
        "primary": primary,
        "followers": user.followers if primary else user.followers // 3,
        "admin": True,
        "type": "public",
    }


@endpoint(bearer=True, windows=READ_WINDOWS, scopes=("basic",))
async def user_info(call: Call) -> web.StreamResponse:
    user = call.user
    names = blog_names(user)
    blogs = [_blog_json(call, user, n, i == 0) for i, n in enumerate(names)]
    return ok(
        call,
        {
            "user": {
                "name": names[0],
                "likes": 0,
                "following": 0,
                "default_post_format": "html",
                "blogs": blogs,
            }
        },
    )


def _owner(call: Call, blog: str) -> User | web.Response:
    """The user the blog in the path belongs to; 404 for no such blog."""
    wanted = blog.lower().removesuffix(".tumblr.com")
    for user in call.state.users.values():
        if wanted in blog_names(user):
            return user
    return error(404, "Blog not found", 0, call.headers)


def content_problem(content: object) -> str | None:
    """Why NPF would refuse `content`, in Tumblr's words, or None."""
    if not isinstance(content, list) or not content:
        return "Posts must have content."
    for index, block in enumerate(content):
        if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
            return f"Invalid block type at content[{index}]."
        if block["type"] == "text" and not isinstance(block.get("text"), str):
            return f"Text block content[{index}] must have text."
        if block["type"] == "image" and (problem := image_problem(index, block)) is not None:
            return problem
        if block["type"] == "link":
            url = block.get("url")
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                return f"Link block content[{index}] must have a valid url."
    return None


@endpoint(bearer=True, windows=POST_WINDOWS, scopes=("write",))
async def create_post(call: Call) -> web.StreamResponse:
    state, user, blog = call.state, call.user, call.request.match_info["blog"]
    owner = _owner(call, blog)
    if isinstance(owner, web.Response):
        return owner
    if owner.id != user.id:
        return error(403, "You do not have permission to post to this blog", 0, call.headers)
    try:
        body, parts = await read_post(call)
    except Refused as refused:
        return error(refused.status, refused.detail, refused.code, call.headers)
    problem = content_problem(body.get("content"))
    if problem is None and body.get("state", "published") not in STATES:
        problem = "Invalid post state."
    if problem is not None:
        return error(400, problem, 8001, call.headers)
    try:
        content, media = take_uploads(call, list(body["content"]), parts)
    except Refused as refused:
        return error(refused.status, refused.detail, refused.code, call.headers)
    text = "\n".join(str(b["text"]) for b in content if b["type"] == "text")
    post = state.store_post(user, text, media=media)
    dialect = state.dialect
    assert hasattr(dialect, "posted")
    dialect.posted[post.id] = (blog.lower().removesuffix(".tumblr.com"), content)
    spoiled = await after_accept(call)
    if spoiled is not None:
        return spoiled
    return ok(
        call,
        {"id": post.id, "state": body.get("state", "published"), "display_text": "Posted"},
        201,
    )


@endpoint(bearer=True, windows=READ_WINDOWS, scopes=("basic",))
async def blog_posts(call: Call) -> web.StreamResponse:
    state, blog = call.state, call.request.match_info["blog"].lower().removesuffix(".tumblr.com")
    owner = _owner(call, blog)
    if isinstance(owner, web.Response):
        return owner
    try:
        limit = min(20, max(1, int(call.request.query.get("limit", "20"))))
    except ValueError:
        return error(400, "limit must be a number.", 0, call.headers)
    posted = getattr(state.dialect, "posted", {})
    base = state.config.base_url.rstrip("/")
    found = []
    for post in reversed(state.posts_by_user.get(owner.id, [])):
        where, content = posted.get(post.id, ("", []))
        if where != blog:
            continue
        found.append(
            {
                "id": int(post.id),
                "id_string": post.id,
                "blog_name": blog,
                "post_url": f"{base}/{blog}/{post.id}",
                "timestamp": int(post.created_at),
                "state": "published",
                "content": content,
                "layout": [],
            }
        )
        if len(found) == limit:
            break
    return ok(call, {"posts": found, "total_posts": len(found)})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v2/user/info", user_info)
    app.router.add_post("/v2/blog/{blog}/posts", create_post)
    app.router.add_get("/v2/blog/{blog}/posts", blog_posts)
