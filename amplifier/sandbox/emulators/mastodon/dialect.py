"""A Mastodon instance as one emulated host: its ids, limits, answers and routes.

Ids (https://docs.joinmastodon.org/api/guidelines/#id: "IDs are strings ... cast from an
integer but not guaranteed to be a number") are milliseconds shifted left 16 bits, as Mastodon
makes them. Default limit ("Rate limits", /api/rate-limits/): 300 requests / 5 min per account.
Errors: 401 "The access token is invalid"; 403 "This action is outside the authorized scopes";
429 "Too many requests".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from amplifier.sandbox.emulators.mastodon import api, instance, media
from amplifier.sandbox.emulators.mastodon.entities import error
from amplifier.sandbox.emulators.mastodon.oauth import MastodonAuthorizationServer, has_scope
from amplifier.sandbox.kit.dialect import AuthFailure, Dialect, Snowflake
from amplifier.sandbox.kit.faults import RateLimits
from amplifier.sandbox.kit.post_pages import post_page, profile_page

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.mastodon import MastodonSettings

UNAUTHENTICATED: dict[AuthFailure, tuple[int, str]] = {
    "invalid": (401, "The access token is invalid"),
    "revoked": (401, "The access token was revoked"),
    "expired": (401, "The access token expired"),
    "no_user": (422, "This method requires an authenticated user"),
}
USERNAME = "{username:[A-Za-z0-9_]{1,30}}"


class MastodonDialect(Dialect):
    label = "Mastodon"
    ids = Snowflake(shift=16, sequence_bits=16)
    post_paths = ("/api/v1/statuses",)

    def __init__(self, settings: MastodonSettings) -> None:
        self.max_characters = settings.max_characters
        self.oauth = MastodonAuthorizationServer()

    def default_rate_limits(self) -> RateLimits:
        return RateLimits(user_limit=300, user_window_s=300, app_limit=0, app_window_s=300)

    def add_routes(self, app: web.Application) -> None:
        self.oauth.add_routes(app)
        api.add_routes(app)
        media.add_routes(app)
        app.router.add_get("/api/v2/instance", instance.instance_v2)
        app.router.add_get("/api/v1/instance", instance.instance_v1)
        # a status: /@{username}/{id}; a profile: /@{username}
        app.router.add_get(f"/@{USERNAME}/{{id:\\d+}}", post_page)
        app.router.add_get(f"/@{USERNAME}", profile_page)

    def failure(self, status: int, *, stored: bool, headers: dict[str, str]) -> web.Response:
        message = "Sandbox: injected failure" + (" after storing" if stored else "")
        return error(status, message, headers)

    def unauthenticated(self, reason: AuthFailure) -> web.Response:
        return error(*UNAUTHENTICATED[reason])

    def rate_limited(self, headers: dict[str, str]) -> web.Response:
        return error(429, "Too many requests", headers)

    def out_of_scope(self, needed: tuple[str, ...], headers: dict[str, str]) -> web.Response:
        return error(403, "This action is outside the authorized scopes", headers)

    def grants(self, granted: frozenset[str], needed: str) -> bool:
        return has_scope(granted, needed)
