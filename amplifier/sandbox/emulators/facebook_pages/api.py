"""The Graph API routes a Page post needs (https://developers.facebook.com/docs/pages-api):

- ``GET /{version}/me?fields=id,name``: the person a user token belongs to;
- ``GET /{version}/me/accounts``: the Pages they may act on, each with its ``access_token``
  and ``tasks`` (``CREATE_CONTENT`` to post), ``fields`` as asked;
- ``GET /{version}/{page-id}``: the Page (``name``, ``username``, ``link``,
  ``followers_count``), with its Page token;
- ``POST /{version}/{page-id}/feed`` with ``message``: ``{"id": "{page-id}_{post-id}"}``, with a
  Page token of that Page (Graph error 200 otherwise, 190 once the Page was lost);
- ``GET /{version}/{page-id}/feed``: its latest posts (``id``, ``message``, ``created_time``,
  and ``attachments`` of a photo post: its ``media_fbid`` and ``description``);
- photos and a post's ``attached_media``: photos.py.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from amplifier.sandbox.emulators.facebook_pages.pages import Page
from amplifier.sandbox.emulators.facebook_pages.photos import photos_of_post, upload
from amplifier.sandbox.emulators.meta.graph import (
    APP_WINDOW,
    WINDOW,
    app_usage_header,
    error,
    usage_headers,
)
from amplifier.sandbox.kit.dialect import RateWindow
from amplifier.sandbox.kit.media import Media
from amplifier.sandbox.kit.preamble import Call, after_accept, endpoint
from amplifier.sandbox.kit.state import Post, now
from amplifier.sandbox.kit.web_util import read_params

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.facebook_pages.dialect import PagesDialect

POSTS = (RateWindow("page posts", "user", WINDOW), RateWindow("app calls", "client", APP_WINDOW))
MAX_MESSAGE = 63_206  # the longest Page post Facebook takes
DUPLICATE_WINDOW_S = 3600.0  # the emulator's reading of "recent" for error 506


def _dialect(call: Call) -> PagesDialect:
    from amplifier.sandbox.emulators.facebook_pages.dialect import PagesDialect

    dialect = call.state.dialect
    assert isinstance(dialect, PagesDialect)
    return dialect


def _fields(call: Call, default: str) -> set[str]:
    return {f.strip() for f in call.request.query.get("fields", default).split(",") if f.strip()}


def _page_json(call: Call, page: Page, fields: set[str]) -> dict[str, Any]:
    user = page.user
    known: dict[str, Any] = {
        "id": user.id,
        "name": user.name,
        "username": user.username,
        "link": f"{call.state.config.base_url}/{user.username}",
        "followers_count": user.followers,
        "tasks": list(page.tasks),
        "category": "Community",
    }
    return {k: v for k, v in known.items() if k in fields or k == "id"}


@endpoint(bearer=True, faults=False)
async def me(call: Call) -> web.StreamResponse:
    page_id = _dialect(call).book.page_for_token(call.token.token)
    if page_id is not None:  # a Page token's "me" is the Page
        return await page(call, page_id)
    fields = _fields(call, "id,name")
    known = {"id": call.user.id, "name": call.user.name}
    return call.answer({k: v for k, v in known.items() if k in fields or k == "id"})


@endpoint(bearer=True, faults=False, scopes=("pages_show_list",))
async def accounts(call: Call) -> web.StreamResponse:
    dialect = _dialect(call)
    fields = _fields(call, "id,name,access_token,category,tasks")
    listed = []
    for found in dialect.book.pages_of(call.state, call.user):
        entry = _page_json(call, found, fields)
        if "access_token" in fields:
            token = call.state.issue_access_token(
                call.user.id, call.token.client_id, call.token.scopes, None
            )
            dialect.book.page_tokens[token.token] = found.user.id
            entry["access_token"] = token.token
        listed.append(entry)
    return call.answer({"data": listed, "paging": {"cursors": {"before": "", "after": ""}}})


def _page_of_token(call: Call, page_id: str) -> Page | web.Response:
    """The Page this Page token acts for, if it is `page_id` and its person still manages it."""
    book = _dialect(call).book
    if book.page_for_token(call.token.token) != page_id:
        return error(403, 200, "(#200) This endpoint requires a Page access token of the Page")
    for found in book.pages_of(call.state, call.user):
        if found.user.id == page_id:
            return found
    return error(
        400,
        190,
        "Error validating access token: the user is not an admin of the Page",
        subcode=460,
    )


async def page(call: Call, page_id: str) -> web.StreamResponse:
    found = _page_of_token(call, page_id)
    if isinstance(found, web.Response):
        return found
    fields = _fields(call, "id,name")
    return call.answer(_page_json(call, found, fields))


@endpoint(bearer=True, faults=False)
async def page_node(call: Call) -> web.StreamResponse:
    return await page(call, call.request.match_info["page_id"])


@endpoint(bearer=True, windows=POSTS, scopes=("pages_manage_posts",))
async def create_post(call: Call) -> web.StreamResponse:
    page_id = call.request.match_info["page_id"]
    found = _page_of_token(call, page_id)
    if isinstance(found, web.Response):
        return found
    call.headers = app_usage_header(usage_headers(call.headers, page_id, kind="pages"))
    if "CREATE_CONTENT" not in found.tasks:
        return error(403, 200, "(#200) The user must have the CREATE_CONTENT task on the Page")
    params = await read_params(call.request)
    message = str(params.get("message", ""))
    photos = photos_of_post(call.state, found.user, params)
    if isinstance(photos, web.Response):
        return photos
    if not message.strip() and not photos:
        return error(
            400, 100, "(#100) The message parameter is required", kind="GraphMethodException"
        )
    if len(message) > MAX_MESSAGE:
        return error(400, 100, "(#100) The message is too long")
    last = call.state.recent_texts.get((page_id, message))
    if last is not None and now() - last < DUPLICATE_WINDOW_S:
        return error(400, 506, "(#506) Duplicate status message")
    post = _store(call, found, message, photos)
    spoiled = await after_accept(call)
    if spoiled is not None:
        return spoiled
    return call.answer({"id": post.id})


@endpoint(bearer=True, faults=False, scopes=("pages_read_engagement",))
async def read_feed(call: Call) -> web.StreamResponse:
    page_id = call.request.match_info["page_id"]
    found = _page_of_token(call, page_id)
    if isinstance(found, web.Response):
        return found
    limit = min(100, max(1, int(call.request.query.get("limit", "25") or 25)))
    latest = sorted(
        call.state.posts_by_user.get(page_id, []), key=lambda p: p.created_at, reverse=True
    )[:limit]
    data = [
        {"id": p.id, "message": p.text, "created_time": _graph_time(p.created_at)}
        | ({"attachments": _attachments(p)} if p.media else {})
        for p in latest
    ]
    return call.answer({"data": data, "paging": {}})


def _store(call: Call, found: Page, message: str, photos: list[Media]) -> Post:
    # Graph's post id names its Page: "{page-id}_{post-id}", the id the admin API lists too
    post = Post(
        id=f"{found.user.id}_{call.state.next_id()}",
        user_id=found.user.id,
        username=found.user.username,
        text=message,
        created_at=now(),
        idempotency_key=None,
        media=list(photos),
    )
    call.state.add_post(post)
    for photo in photos:
        photo.post_id = post.id
    call.state.recent_texts[(found.user.id, message)] = post.created_at
    return post


@endpoint(bearer=True, windows=POSTS, scopes=("pages_manage_posts",))
async def create_photo(call: Call) -> web.StreamResponse:
    page_id = call.request.match_info["page_id"]
    found = _page_of_token(call, page_id)
    if isinstance(found, web.Response):
        return found
    call.headers = app_usage_header(usage_headers(call.headers, page_id, kind="pages"))
    if "CREATE_CONTENT" not in found.tasks:
        return error(403, 200, "(#200) The user must have the CREATE_CONTENT task on the Page")
    uploaded = await upload(call.state, found.user, call.request)
    if isinstance(uploaded, web.Response):
        return uploaded
    photo, published, caption = uploaded
    if not published:
        return call.answer({"id": photo.id})
    post = _store(call, found, caption, [photo])
    return call.answer({"id": photo.id, "post_id": post.id})


def _attachments(post: Post) -> dict[str, Any]:
    return {
        "data": [
            {"type": "photo", "target": {"id": m.id}, "description": m.description}
            for m in post.media
        ]
    }


def _graph_time(ts: float) -> str:
    """Graph's time form: ``2026-11-30T13:00:00+0000``."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(ts))
