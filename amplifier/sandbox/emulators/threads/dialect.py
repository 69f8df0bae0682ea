"""Threads' API as one emulated host: its ids, limits, answers and routes.

Errors are the Graph API's error object (graph.py). The per-profile publishing limit is 250
posts per 24 hours (https://developers.facebook.com/docs/threads/troubleshooting#rate-limiting);
over it, ``threads_publish`` answers error 4 with the usage header's time to regain access.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aiohttp import web

from amplifier.sandbox.emulators.meta.graph import error, usage_headers
from amplifier.sandbox.emulators.threads import api
from amplifier.sandbox.emulators.threads.oauth import ThreadsOAuth
from amplifier.sandbox.kit.dialect import AuthFailure, Dialect, Snowflake
from amplifier.sandbox.kit.faults import RateLimits
from amplifier.sandbox.kit.post_pages import post_page, profile_page

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.threads import ThreadsSettings

VERSION = "{version:v[0-9]+\\.[0-9]+}"
USER = "{user:me|[0-9]+}"
PUBLISH = re.compile(r"^/v[0-9]+\.[0-9]+/(me|[0-9]+)/threads_publish$")
UNAUTHENTICATED: dict[AuthFailure, tuple[str, int | None]] = {
    "invalid": ("Invalid OAuth access token - Cannot parse access token", None),
    "revoked": ("Error validating access token: The user has not authorized application.", 458),
    "expired": ("Error validating access token: Session has expired.", 463),
    "no_user": ("An active access token must be used to query information about the user.", None),
}


class ThreadsDialect(Dialect):
    label = "Threads"
    ids = Snowflake(shift=12, sequence_bits=12)
    post_paths = ()  # the publish path names the profile: see creates_post
    max_characters = api.MAX_WEIGHT

    def __init__(self, settings: ThreadsSettings) -> None:
        self.oauth = ThreadsOAuth(settings)
        self.containers: dict[str, api.Container] = {}

    def creates_post(self, request: web.Request) -> bool:
        return request.method == "POST" and PUBLISH.match(request.path) is not None

    def default_rate_limits(self) -> RateLimits:
        return RateLimits(
            user_limit=api.QUOTA_TOTAL, user_window_s=api.DAY_S, app_limit=0, app_window_s=3600
        )

    def add_routes(self, app: web.Application) -> None:
        self.oauth.add_routes(app)
        app.router.add_get(f"/{VERSION}/me", api.me)
        app.router.add_post(f"/{VERSION}/{USER}/threads", api.create_container)
        app.router.add_get(f"/{VERSION}/{USER}/threads", api.profile_posts)
        app.router.add_post(f"/{VERSION}/{USER}/threads_publish", api.publish)
        app.router.add_get(f"/{VERSION}/{USER}/threads_publishing_limit", api.publishing_limit)
        app.router.add_get(f"/{VERSION}/{USER}/threads_insights", api.insights)
        app.router.add_get(f"/{VERSION}/{{node:[0-9]+}}", api.node)
        app.router.add_get("/@{username:[A-Za-z0-9_.]{1,30}}/post/{id:[0-9]+}", post_page)
        app.router.add_get("/@{username:[A-Za-z0-9_.]{1,30}}", profile_page)

    def failure(self, status: int, *, stored: bool, headers: dict[str, str]) -> web.Response:
        if status in (400, 429):
            return error(400, 4, "(#4) Application request limit reached", headers=headers)
        return error(
            status,
            2,
            "An unexpected error has occurred. Please retry your request later.",
            transient=True,
            headers=headers,
        )

    def unauthenticated(self, reason: AuthFailure) -> web.Response:
        message, subcode = UNAUTHENTICATED[reason]
        return error(400, 190, message, subcode=subcode)

    def rate_limited(self, headers: dict[str, str]) -> web.Response:
        meta = usage_headers(dict(headers), "profile", kind="threads")
        return error(400, 4, "(#4) The profile reached its publishing limit", headers=meta)

    def out_of_scope(self, needed: tuple[str, ...], headers: dict[str, str]) -> web.Response:
        return error(403, 10, f"(#10) Requires the {', '.join(needed)} permission", headers=headers)
