"""The Tumblr API v2 as one emulated host (the API and www.tumblr.com's pages on one port).

Post ids are decimal numbers (Tumblr: "id_string" beside the numeric "id"), here milliseconds
shifted left 20 bits. Errors: 401 "Unauthorized", 403 "Forbidden", 429 "Limit Exceeded", each
in Tumblr's ``meta``/``errors`` envelope. Default limits: 250 posts a day per user, 1,000 calls
an hour per app key (the faults' app window, changed at run time) and 5,000 a day.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from amplifier.sandbox.emulators.tumblr import api
from amplifier.sandbox.emulators.tumblr.oauth import TumblrAuthorizationServer
from amplifier.sandbox.kit.dialect import AuthFailure, Dialect, Snowflake
from amplifier.sandbox.kit.faults import RateLimits
from amplifier.sandbox.kit.post_pages import post_page, profile_page

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.tumblr import TumblrSettings


class TumblrDialect(Dialect):
    label = "Tumblr"
    ids = Snowflake(epoch_ms=0, shift=20, fixed=0, sequence_bits=20)
    post_paths: tuple[str, ...] = ()  # /v2/blog/{blog}/posts: see creates_post
    max_characters = 4096

    def __init__(self, settings: TumblrSettings) -> None:
        self.settings = settings
        self.oauth = TumblrAuthorizationServer(settings)
        self.posted: dict[str, tuple[str, list[Any]]] = {}  # post id -> (blog, NPF content)

    def creates_post(self, request: web.Request) -> bool:
        return (
            request.method == "POST"
            and request.path.startswith("/v2/blog/")
            and request.path.endswith("/posts")
        )

    def default_rate_limits(self) -> RateLimits:
        return RateLimits(user_limit=250, user_window_s=86_400, app_limit=1000, app_window_s=3600)

    def add_routes(self, app: web.Application) -> None:
        self.oauth.add_routes(app)
        api.add_routes(app)
        # a post: /{blog}/{id}; a blog: /{username}
        app.router.add_get("/{blog:[a-z0-9-]{1,32}}/{id:\\d+}", post_page)
        app.router.add_get("/{username:[A-Za-z0-9_-]{1,32}}", profile_page)

    def failure(self, status: int, *, stored: bool, headers: dict[str, str]) -> web.Response:
        detail = "Sandbox: injected failure" + (" after storing" if stored else "")
        return api.error(status, detail, 0, headers)

    def unauthenticated(self, reason: AuthFailure) -> web.Response:
        return api.error(401, "Unable to authorize", 0)

    def rate_limited(self, headers: dict[str, str]) -> web.Response:
        """The user's daily posts have no documented header: a spent one says Retry-After."""
        spent = [
            int(reset)
            for names in (api.USER_POSTS, api.PER_HOUR, api.PER_DAY)
            if headers.get(names.remaining) == "0"
            and (reset := headers.get(names.reset, "")).isdigit()
        ]
        more = dict(headers)
        if spent and "Retry-After" not in more:
            more["Retry-After"] = str(max(0, math.ceil(max(spent) - time.time())))
        return api.error(429, "Limit Exceeded", 0, more)

    def out_of_scope(self, needed: tuple[str, ...], headers: dict[str, str]) -> web.Response:
        return api.error(403, f"This action needs the {' '.join(needed)} scope", 0, headers)

    def info(self) -> dict[str, Any]:
        return {"tumblr_client_id": self.settings.client_id}
