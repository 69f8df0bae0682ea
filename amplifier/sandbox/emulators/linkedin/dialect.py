"""LinkedIn as one emulated host (the API and www.linkedin.com's OAuth pages on one port).

Ids: a share's URN is ``urn:li:share:{n}`` with a 19-digit number; here milliseconds shifted
left 22 bits. Errors: 401 ``{"status": 401, "serviceErrorCode": 65600, "code":
"INVALID_ACCESS_TOKEN"}`` (65601 ``REVOKED_ACCESS_TOKEN``, 65602 ``EXPIRED_ACCESS_TOKEN``),
403 ``ACCESS_DENIED``, 429 ``TOO_MANY_REQUESTS`` ("Error Handling",
https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling). Daily
limits per member and per app ("Rate Limiting",
https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits) are not
published: the defaults here are 150 posts per member and 100,000 per app a day.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from amplifier.sandbox.emulators.linkedin import api, images
from amplifier.sandbox.emulators.linkedin.oauth import LinkedInAuthorizationServer
from amplifier.sandbox.kit.dialect import AuthFailure, Dialect, Snowflake
from amplifier.sandbox.kit.faults import RateLimits
from amplifier.sandbox.kit.post_pages import post_page, profile_page

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.linkedin import LinkedInSettings

UNAUTHENTICATED: dict[AuthFailure, tuple[int, str, str]] = {
    "invalid": (65600, "INVALID_ACCESS_TOKEN", "Invalid access token"),
    "revoked": (
        65601,
        "REVOKED_ACCESS_TOKEN",
        "The token used in the request has been revoked by the user",
    ),
    "expired": (65602, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired"),
    "no_user": (65600, "INVALID_ACCESS_TOKEN", "Invalid access token"),
}


class LinkedInDialect(Dialect):
    label = "LinkedIn"
    ids = Snowflake(epoch_ms=0, shift=22, fixed=0, sequence_bits=22)
    post_paths = ("/rest/posts",)
    max_characters = api.MAX_COMMENTARY

    def __init__(self, settings: LinkedInSettings) -> None:
        self.settings = settings
        self.oauth = LinkedInAuthorizationServer(settings)

    def default_rate_limits(self) -> RateLimits:
        return RateLimits(
            user_limit=150, user_window_s=86_400, app_limit=100_000, app_window_s=86_400
        )

    def add_routes(self, app: web.Application) -> None:
        self.oauth.add_routes(app)
        api.add_routes(app)
        images.add_routes(app)
        app.router.add_get("/feed/update/urn:li:share:{id:\\d+}/", post_page)
        app.router.add_get("/in/{username:[A-Za-z0-9_]{1,30}}", profile_page)

    def failure(self, status: int, *, stored: bool, headers: dict[str, str]) -> web.Response:
        message = "Sandbox: injected failure" + (" after storing" if stored else "")
        return api.restli_error(status, message, headers=headers)

    def unauthenticated(self, reason: AuthFailure) -> web.Response:
        service, code, message = UNAUTHENTICATED[reason]
        return api.restli_error(401, message, code, service)

    def rate_limited(self, headers: dict[str, str]) -> web.Response:
        """LinkedIn documents no reset header: the sandbox's window says Retry-After."""
        spent = [
            int(reset)
            for names in (api.MEMBER_HEADERS, api.APP_HEADERS)
            if headers.get(names.remaining) == "0"
            and (reset := headers.get(names.reset, "")).isdigit()
        ]
        more = dict(headers)
        if spent and "Retry-After" not in more:
            more["Retry-After"] = str(max(0, math.ceil(max(spent) - time.time())))
        return api.restli_error(
            429,
            "Resource level throttle DAY limit for calls to this resource is reached.",
            "TOO_MANY_REQUESTS",
            101,
            headers=more,
        )

    def out_of_scope(self, needed: tuple[str, ...], headers: dict[str, str]) -> web.Response:
        return api.restli_error(
            403,
            f"Not enough permissions to access: {' '.join(needed)}",
            "ACCESS_DENIED",
            100,
            headers=headers,
        )

    def info(self) -> dict[str, Any]:
        return {
            "linkedin_client_id": self.settings.client_id,
            "linkedin_versions": api.supported_versions(),
        }
