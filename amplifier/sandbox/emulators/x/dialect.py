"""The X API v2 as one emulated host: its ids, limits, answers and routes.

Ids are Snowflakes (https://developer.x.com/en/docs/twitter-ids): milliseconds since the
Twitter epoch shifted left 22 bits. Default limits ("X API Rate Limits",
https://docs.x.com/x-api/fundamentals/rate-limits, Manage Posts table): ``POST /2/tweets``
100 requests / 15 min per user and 10,000 / 24 h per app (the older page
https://developer.x.com/en/docs/x-api/tweets/manage-tweets said 200 / 15 min).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from amplifier.sandbox.emulators.x import api, media
from amplifier.sandbox.emulators.x.answers import problem
from amplifier.sandbox.emulators.x.oauth import XAuthorizationServer
from amplifier.sandbox.kit.dialect import AuthFailure, Dialect, Snowflake
from amplifier.sandbox.kit.faults import RateLimits
from amplifier.sandbox.kit.post_pages import post_page, profile_page

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.x import XSettings

TWITTER_EPOCH_MS = 1288834974657
USERNAME = "{username:[A-Za-z0-9_]{1,15}}"


class XDialect(Dialect):
    label = "X"
    ids = Snowflake(epoch_ms=TWITTER_EPOCH_MS, shift=22, fixed=1 << 17, sequence_bits=17)
    post_paths = ("/2/tweets",)

    def __init__(self, settings: XSettings) -> None:
        self.settings = settings
        self.oauth = XAuthorizationServer(settings)

    def default_rate_limits(self) -> RateLimits:
        return RateLimits(user_limit=100, user_window_s=900, app_limit=10_000, app_window_s=86_400)

    def add_routes(self, app: web.Application) -> None:
        self.oauth.add_routes(app)
        api.add_routes(app)
        media.add_routes(app)
        # a post: /i/web/status/{id} and /{username}/status/{id}; a profile: /{username}
        app.router.add_get("/i/web/status/{id:\\d+}", post_page)
        app.router.add_get(f"/{USERNAME}/status/{{id:\\d+}}", post_page)
        app.router.add_get(f"/{USERNAME}", profile_page)

    def failure(self, status: int, *, stored: bool, headers: dict[str, str]) -> web.Response:
        return problem(status, headers=headers)

    def unauthenticated(self, reason: AuthFailure) -> web.Response:
        return problem(401, "Unauthorized")

    def rate_limited(self, headers: dict[str, str]) -> web.Response:
        return problem(429, headers=headers)

    def out_of_scope(self, needed: tuple[str, ...], headers: dict[str, str]) -> web.Response:
        noun = "scope" if len(needed) == 1 else "scopes"
        return problem(403, f"Missing required {noun}: {' '.join(needed)}", headers=headers)

    def info(self) -> dict[str, Any]:
        return {"x_client_id": self.settings.client_id, "x_token_ttl": self.settings.token_ttl}
