"""LinkedIn, declared once (declaration.py says what each answer is for).

Facts from Microsoft's LinkedIn documentation: the Posts API (3,000-character commentary in
the little text format, `LinkedIn-Version` and `X-Restli-Protocol-Version: 2.0.0` on every
call, no idempotency key), "Rate Limiting" (daily per-member and per-app limits, not published:
the Developer Portal shows an app's own; reset at midnight UTC), "Authorization Code Flow"
(access tokens last 60 days; refresh tokens for approved partners only).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

from ..base import PlatformAdapter, PostFinder, Staging, TextLimit
from ..declaration import AccountHome, Declaration, LimitWindow, WindowScope, Wiring
from .adapter import LinkedInAdapter
from .media import RULES, LinkedInMedia
from .settings import LinkedInSettings
from .text import MAX_CHARACTERS, linkedin_text_problems

DAY_S = 24 * 3600.0


class LinkedIn(Declaration[LinkedInSettings]):
    name = "linkedin"
    label = "LinkedIn"
    max_text = (
        f"{MAX_CHARACTERS:,} characters; most emoji count 2. Every character is posted as "
        "typed: amplifier escapes LinkedIn's reserved characters (# @ ( ) [ ] < > * _ ~ | { } \\), "
        "so no mention or hashtag link is made from them."
    )
    rules = (
        "LinkedIn's Professional Community Policies ask for authentic posts: identical text "
        "from many members may be taken for spam, so let supporters adapt it. Posting is "
        "limited per member and per app each day (LinkedIn does not publish the numbers; "
        "the limits reset at midnight UTC). A LinkedIn connection lasts 60 days and cannot be "
        "renewed: supporters who pledge more than about 55 days before the release are asked "
        "to connect again before it. An image (JPG, PNG or GIF, up to 8 MB, alt text up to "
        "4,086 characters) is uploaded to each member's account before the release."
    )
    home = AccountHome.APP
    default_text_limit: ClassVar[TextLimit] = TextLimit(MAX_CHARACTERS, 0)
    idempotency_memory = None
    connection_lifetime = timedelta(days=60)
    settings_model = LinkedInSettings
    media = RULES  # the Images API's (media.py)
    # initializeUpload, the PUT of the bytes, a status look-up; LinkedIn publishes no numbers
    # for the Images API's limits, so no upload window is declared
    upload_calls = 3

    def text_problems(self, text: str, limit: TextLimit | None = None) -> list[str]:
        return linkedin_text_problems(text)

    def rate_windows(self, settings: LinkedInSettings) -> tuple[LimitWindow, ...]:
        return (
            LimitWindow(settings.limit_member_per_day, DAY_S, WindowScope.USER),
            LimitWindow(settings.limit_app_per_day, DAY_S, WindowScope.APP),
        )

    def concurrency(self, settings: LinkedInSettings) -> int | None:
        return settings.limit_concurrency

    def unavailable(self, settings: LinkedInSettings) -> str | None:
        if not settings.client_id or not settings.client_secret:
            return (
                "LinkedIn is not configured here (set AMPLIFIER_LINKEDIN_CLIENT_ID and "
                "AMPLIFIER_LINKEDIN_CLIENT_SECRET)"
            )
        return None

    def allows_plain_http(self, settings: LinkedInSettings) -> bool:
        return settings.oauth_base.startswith("http://")  # the sandbox

    def build(self, settings: LinkedInSettings, wiring: Wiring, host: str) -> PlatformAdapter:
        return LinkedInAdapter(
            client_id=settings.client_id or "",
            client_secret=settings.client_secret or "",
            version=settings.version,
            api_base=settings.api_base,
            oauth_base=settings.oauth_base,
            web_base=settings.web_base,
            read_posts=settings.read_posts,
            timeout=wiring.timeout_s,
        )

    def finder(self, adapter: PlatformAdapter) -> PostFinder | None:
        """Only an app granted r_member_social can read a member's posts; without it an
        unknown outcome is reported unconfirmed rather than guessed."""
        if not isinstance(adapter, LinkedInAdapter):
            raise TypeError(f"LinkedIn's declaration was handed {adapter!r}")
        return adapter if adapter.read_posts else None

    def stager(self, adapter: PlatformAdapter) -> Staging | None:
        """Images are uploaded to the member's account before T (media.py)."""
        return LinkedInMedia(adapter) if isinstance(adapter, LinkedInAdapter) else None

    def sandbox_env(self, announced: Mapping[str, Any]) -> dict[str, str]:
        url = announced.get("linkedin_url")
        if not isinstance(url, str):
            return {}
        return {
            "AMPLIFIER_LINKEDIN_CLIENT_ID": str(announced.get("linkedin_client_id", "")),
            "AMPLIFIER_LINKEDIN_CLIENT_SECRET": str(announced.get("linkedin_client_secret", "")),
            "AMPLIFIER_LINKEDIN_API_BASE": url,
            "AMPLIFIER_LINKEDIN_OAUTH_BASE": url,
            "AMPLIFIER_LINKEDIN_WEB_BASE": url,
            "AMPLIFIER_LINKEDIN_READ_POSTS": "true",  # the sandbox grants r_member_social
        }


DECLARATION = LinkedIn()
