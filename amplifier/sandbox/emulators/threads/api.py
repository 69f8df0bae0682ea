"""The Threads API routes a text post needs (https://developers.facebook.com/docs/threads/posts,
/reference/publishing):

- ``GET /{version}/me?fields=id,username,name``;
- ``POST /{version}/{user}/threads`` with ``media_type=TEXT`` and ``text``, or ``IMAGE`` with
  ``image_url`` (fetched: images.py), ``alt_text`` and an optional ``text``: a media container
  ``{"id"}``; ``GET /{version}/{container}?fields=status``: ``FINISHED`` (a text container is
  ready at once, an image one once fetched: ``IN_PROGRESS`` before, ``ERROR`` with
  ``error_message`` when the image could not be used), ``PUBLISHED`` once published;
- ``POST /{version}/{user}/threads_publish`` with ``creation_id``: the post ``{"id"}``; a
  container publishes once (publishing it again is refused, error 24);
- ``GET /{version}/{media}?fields=permalink``; ``GET /{version}/{user}/threads``: the latest posts;
- ``GET /{version}/{user}/threads_publishing_limit``: ``quota_usage`` of ``config.quota_total``
  (250 per 24 hours), counted from the profile's posts of the last 24 hours;
- ``GET /{version}/{user}/threads_insights?metric=followers_count`` (``threads_manage_insights``):
  ``{"data": [{"name": "followers_count", "total_value": {"value"}}]}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from amplifier.sandbox.emulators.meta.graph import WINDOW, error, usage_headers
from amplifier.sandbox.emulators.threads.images import fetch_image
from amplifier.sandbox.kit.dialect import RateWindow
from amplifier.sandbox.kit.media import Media
from amplifier.sandbox.kit.preamble import Call, after_accept, endpoint
from amplifier.sandbox.kit.state import Post, now
from amplifier.sandbox.kit.web_util import read_params

MAX_WEIGHT = 500
QUOTA_TOTAL = 250
DAY_S = 86_400.0
PUBLISH = (RateWindow("publishing", "user", WINDOW),)


@dataclass
class Container:
    id: str
    user_id: str
    text: str
    created_at: float = field(default_factory=now)
    published_id: str | None = None
    media: Media | None = None
    error: str | None = None  # why an image container cannot be published

    def status(self, at: float) -> str:
        if self.published_id:
            return "PUBLISHED"
        if self.error:
            return "ERROR"
        if self.media is not None and not self.media.ready(at):
            return "IN_PROGRESS"
        return "FINISHED"


def containers(call: Call) -> dict[str, Container]:
    from amplifier.sandbox.emulators.threads.dialect import ThreadsDialect

    dialect = call.state.dialect
    assert isinstance(dialect, ThreadsDialect)
    return dialect.containers


def _user_ok(call: Call) -> web.Response | None:
    wanted = call.request.match_info["user"]
    if wanted not in ("me", call.user.id):
        return error(403, 10, "(#10) This token does not act for that profile")
    return None


def _weight(text: str) -> int:
    """Emoji count as their UTF-8 bytes: here, every code point above U+FFFF and the symbol
    blocks (a rough reading, enough to refuse an over-long text the way Threads does)."""
    return sum(
        len(c.encode()) if ord(c) > 0xFFFF or 0x2600 <= ord(c) <= 0x27BF else 1 for c in text
    )


@endpoint(bearer=True, faults=False, scopes=("threads_basic",))
async def me(call: Call) -> web.StreamResponse:
    user = call.user
    return call.answer({"id": user.id, "username": user.username, "name": user.name})


@endpoint(bearer=True, faults=False, scopes=("threads_content_publish",))
async def create_container(call: Call) -> web.StreamResponse:
    refused = _user_ok(call)
    if refused is not None:
        return refused
    params = await read_params(call.request)
    kind = params.get("media_type")
    if kind not in ("TEXT", "IMAGE"):
        return error(400, 100, "(#100) media_type must be TEXT, IMAGE, VIDEO or CAROUSEL")
    text = str(params.get("text", ""))
    if kind == "TEXT" and not text.strip():
        return error(400, 100, "(#100) The parameter text is required for TEXT posts")
    if _weight(text) > MAX_WEIGHT:
        return error(400, 100, "(#100) The text is longer than 500 characters")
    made = Container(id=call.state.next_id(), user_id=call.user.id, text=text)
    if kind == "IMAGE":
        url = str(params.get("image_url", ""))
        if not url.startswith(("http://", "https://")):
            return error(400, 100, "(#100) The parameter image_url is required for IMAGE posts")
        fetched = await fetch_image(call.state, call.user, url, str(params.get("alt_text", "")))
        if isinstance(fetched, str):
            made.error = fetched
        else:
            made.media = fetched
    containers(call)[made.id] = made
    return call.answer({"id": made.id})


@endpoint(bearer=True, windows=PUBLISH, scopes=("threads_content_publish",))
async def publish(call: Call) -> web.StreamResponse:
    refused = _user_ok(call)
    if refused is not None:
        return refused
    call.headers = usage_headers(call.headers, call.user.id, kind="threads")
    creation_id = str((await read_params(call.request)).get("creation_id", ""))
    made = containers(call).get(creation_id)
    if made is None or made.user_id != call.user.id:
        return error(400, 100, "(#100) The media container does not exist", subcode=2207001)
    if made.published_id is not None:
        return error(400, 24, "(#24) The media container was already published", subcode=4279009)
    if made.status(now()) != "FINISHED":
        return error(
            400, 24, "(#24) The media container is not ready to be published", subcode=4279001
        )
    post = Post(
        id=call.state.next_id(),
        user_id=call.user.id,
        username=call.user.username,
        text=made.text,
        created_at=now(),
        idempotency_key=None,
        media=[made.media] if made.media is not None else [],
    )
    call.state.add_post(post)
    made.published_id = post.id
    if made.media is not None:
        made.media.post_id = post.id
    spoiled = await after_accept(call)
    if spoiled is not None:
        return spoiled
    return call.answer({"id": post.id})


def _permalink(call: Call, post: Post) -> str:
    return f"{call.state.config.base_url}/@{post.username}/post/{post.id}"


def _post_json(call: Call, post: Post) -> dict[str, Any]:
    """A post's fields (/reference/media): an image post's ``media_type`` and ``alt_text``."""
    body: dict[str, Any] = {"id": post.id, "text": post.text, "permalink": _permalink(call, post)}
    body["media_type"] = "IMAGE" if post.media else "TEXT_POST"
    if post.media:
        body["alt_text"] = post.media[0].description
    return body


@endpoint(bearer=True, faults=False, scopes=("threads_basic",))
async def node(call: Call) -> web.StreamResponse:
    """A container's status, or a post's fields."""
    node_id = call.request.match_info["node"]
    made = containers(call).get(node_id)
    if made is not None and made.user_id == call.user.id:
        body: dict[str, Any] = {"id": made.id, "status": made.status(now())}
        if made.error:
            body["error_message"] = made.error
        return call.answer(body)
    post = call.state.posts_by_id.get(node_id)
    if post is None or post.user_id != call.user.id:
        return error(400, 100, f"(#100) Object with ID '{node_id}' does not exist", subcode=33)
    return call.answer(_post_json(call, post))


@endpoint(bearer=True, faults=False, scopes=("threads_basic",))
async def profile_posts(call: Call) -> web.StreamResponse:
    refused = _user_ok(call)
    if refused is not None:
        return refused
    limit = min(100, max(1, int(call.request.query.get("limit", "25") or 25)))
    latest = sorted(
        call.state.posts_by_user.get(call.user.id, []), key=lambda p: p.created_at, reverse=True
    )[:limit]
    data = [_post_json(call, p) for p in latest]
    return call.answer({"data": data, "paging": {}})


@endpoint(bearer=True, faults=False, scopes=("threads_basic",))
async def publishing_limit(call: Call) -> web.StreamResponse:
    refused = _user_ok(call)
    if refused is not None:
        return refused
    # the quota is the publishing window this host enforces (250 a day unless the faults say
    # otherwise), counted from the profile's own posts in it
    window = call.state.faults.rate_limit
    total, duration = window.user_limit, window.user_window_s
    since = now() - duration
    used = sum(1 for p in call.state.posts_by_user.get(call.user.id, []) if p.created_at >= since)
    body: dict[str, Any] = {
        "data": [
            {
                "quota_usage": used,
                "config": {"quota_total": total, "quota_duration": int(duration)},
            }
        ]
    }
    return call.answer(body)


@endpoint(bearer=True, faults=False, scopes=("threads_manage_insights",))
async def insights(call: Call) -> web.StreamResponse:
    refused = _user_ok(call)
    if refused is not None:
        return refused
    metrics = call.request.query.get("metric", "").split(",")
    if "followers_count" not in metrics:
        return error(400, 100, "(#100) The metric parameter must name followers_count here")
    entry = {
        "name": "followers_count",
        "period": "day",
        "title": "followers_count",
        "total_value": {"value": call.user.followers},
        "id": f"{call.user.id}/insights/followers_count/day",
    }
    return call.answer({"data": [entry]})
