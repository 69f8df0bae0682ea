"""Facebook's Graph API for Pages as one emulated host: its ids, limits, answers and routes.

Graph ids are numeric strings; a Page post's id is ``{page-id}_{post-id}``. Errors are Graph's
error object (graph.py). Limits (https://developers.facebook.com/docs/graph-api/overview/rate-limiting):
calls with a Page token count against the Page's Business Use Case limit, reported in
``X-Business-Use-Case-Usage``; a throttled Page gets error 32 until
``estimated_time_to_regain_access`` minutes have passed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aiohttp import web

from amplifier.sandbox.emulators.facebook_pages import api
from amplifier.sandbox.emulators.facebook_pages.oauth import PagesOAuth
from amplifier.sandbox.emulators.facebook_pages.pages import PageBook
from amplifier.sandbox.emulators.meta.graph import (
    app_spent,
    app_usage_header,
    error,
    usage_headers,
)
from amplifier.sandbox.kit.dialect import AuthFailure, Dialect, Snowflake
from amplifier.sandbox.kit.faults import RateLimits
from amplifier.sandbox.kit.post_pages import post_page, profile_page

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.facebook_pages import PagesSettings

VERSION = "{version:v[0-9]+\\.[0-9]+}"
FEED = re.compile(r"^/v[0-9]+\.[0-9]+/([0-9]+)/feed$")
UNAUTHENTICATED: dict[AuthFailure, tuple[str, int | None]] = {
    "invalid": ("Invalid OAuth access token - Cannot parse access token", None),
    "revoked": ("Error validating access token: The user has not authorized application.", 458),
    "expired": ("Error validating access token: Session has expired.", 463),
    "no_user": ("An active access token must be used to query information about the user.", None),
}


class PagesDialect(Dialect):
    label = "Facebook"
    ids = Snowflake(shift=12, sequence_bits=12)
    post_paths = ()  # a Page's feed path names the Page: see creates_post
    max_characters = api.MAX_MESSAGE

    def __init__(self, settings: PagesSettings) -> None:
        self.oauth = PagesOAuth(settings)
        self.book = PageBook()

    def creates_post(self, request: web.Request) -> bool:
        return request.method == "POST" and FEED.match(request.path) is not None

    def default_rate_limits(self) -> RateLimits:
        # a Page's posts per hour, well inside its Business Use Case budget
        return RateLimits(user_limit=200, user_window_s=3600, app_limit=0, app_window_s=3600)

    def add_routes(self, app: web.Application) -> None:
        self.oauth.add_routes(app)
        app.router.add_post("/_sandbox/pages", self.book.set_pages)
        app.router.add_post("/_sandbox/page-tokens", self.book.mint_page_tokens)
        app.router.add_get(f"/{VERSION}/me", api.me)
        app.router.add_get(f"/{VERSION}/me/accounts", api.accounts)
        app.router.add_post(f"/{VERSION}/{{page_id:[0-9]+}}/feed", api.create_post)
        app.router.add_get(f"/{VERSION}/{{page_id:[0-9]+}}/feed", api.read_feed)
        app.router.add_post(f"/{VERSION}/{{page_id:[0-9]+}}/photos", api.create_photo)
        app.router.add_get(f"/{VERSION}/{{page_id:[0-9]+}}", api.page_node)
        app.router.add_get("/{id:[0-9]+_[0-9]+}", post_page)
        app.router.add_get("/{username:[A-Za-z0-9_.]{1,50}}", profile_page)

    def failure(self, status: int, *, stored: bool, headers: dict[str, str]) -> web.Response:
        if status == 429 or status == 400:
            return error(400, 32, "(#32) Page request limit reached", headers=headers)
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
        app = app_spent(headers)
        # keyed by the Page on Facebook; the kit does not say which Page was counted here
        meta = app_usage_header(usage_headers(dict(headers), "page", kind="pages"))
        if app:  # the app's own budget, shared by every Page's calls
            return error(400, 4, "(#4) Application request limit reached", headers=meta)
        return error(400, 32, "(#32) Page request limit reached", headers=meta)

    def out_of_scope(self, needed: tuple[str, ...], headers: dict[str, str]) -> web.Response:
        return error(
            403, 200, f"(#200) Requires the {', '.join(needed)} permission", headers=headers
        )
