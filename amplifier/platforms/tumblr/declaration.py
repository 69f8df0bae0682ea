"""Tumblr, declared once (declaration.py says what each answer is for).

Facts from Tumblr's API documentation (https://www.tumblr.com/docs/en/api/v2): OAuth 2 with
`offline_access` refresh tokens (42-minute access tokens, rotating refresh tokens), NPF posts
to a blog (no idempotency key: an unknown outcome is settled by reading the blog's latest
posts), and its rate limits: 1,000 calls an hour and 5,000 a day per app key, 250 new posts a
day per user. The two app-key windows are shared by every call of ours: both pace a release.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..base import AccountChooser, InlineMedia, PlatformAdapter, PostFinder, TextLimit
from ..declaration import (
    AccountHome,
    ConnectStep,
    Declaration,
    LimitWindow,
    WindowScope,
    Wiring,
)
from .adapter import TumblrAdapter
from .media import RULES, TumblrMedia
from .settings import TumblrSettings
from .text import MAX_CHARACTERS, tumblr_text_problems

HOUR_S = 3600.0
DAY_S = 24 * HOUR_S


class Tumblr(Declaration[TumblrSettings]):
    name = "tumblr"
    label = "Tumblr"
    max_text = (
        f"{MAX_CHARACTERS:,} characters, posted as typed in one text block; the first link "
        "also shows as a link card."
    )
    rules = (
        "Tumblr's Community Guidelines forbid spam, including many identical posts: let "
        "supporters adapt the text. Each app key may make 1,000 API calls an hour and 5,000 a "
        "day (Tumblr raises them on request), and each user 250 posts a day: with the default "
        "key about 1,000 Tumblr supporters can be posted in the release's first hour, the "
        "rest in the hours after (the report says by how much each was paced). Supporters "
        "choose which of their blogs posts. An image (JPEG, PNG or GIF, up to 10 MB, alt "
        "text up to 4,096 characters) goes with each post at the release, in the same call."
    )
    home = AccountHome.APP
    connect = ConnectStep(
        chooses_account=True,
        account_noun="blog",
        no_account=(
            "Your Tumblr account has no blog you can post to: create one on Tumblr (or ask a "
            "group blog's admin to add you), then pledge again."
        ),
    )
    default_text_limit: ClassVar[TextLimit] = TextLimit(MAX_CHARACTERS, 0)
    idempotency_memory = None
    settings_model = TumblrSettings
    media = RULES  # media.py

    def text_problems(self, text: str, limit: TextLimit | None = None) -> list[str]:
        return tumblr_text_problems(text)

    def rate_windows(self, settings: TumblrSettings) -> tuple[LimitWindow, ...]:
        return (
            LimitWindow(settings.limit_user_posts_per_day, DAY_S, WindowScope.USER),
            LimitWindow(settings.limit_app_per_hour, HOUR_S, WindowScope.APP),
            LimitWindow(settings.limit_app_per_day, DAY_S, WindowScope.APP),
        )

    def concurrency(self, settings: TumblrSettings) -> int | None:
        return settings.limit_concurrency

    def unavailable(self, settings: TumblrSettings) -> str | None:
        if not settings.client_id or not settings.client_secret:
            return (
                "Tumblr is not configured here (set AMPLIFIER_TUMBLR_CLIENT_ID and "
                "AMPLIFIER_TUMBLR_CLIENT_SECRET)"
            )
        return None

    def allows_plain_http(self, settings: TumblrSettings) -> bool:
        return settings.authorize_url.startswith("http://")  # the sandbox

    def build(self, settings: TumblrSettings, wiring: Wiring, host: str) -> PlatformAdapter:
        return TumblrAdapter(
            client_id=settings.client_id or "",
            client_secret=settings.client_secret or "",
            api_base=settings.api_base,
            authorize_url=settings.authorize_url,
            web_base=settings.web_base,
            timeout=wiring.timeout_s,
        )

    def finder(self, adapter: PlatformAdapter) -> PostFinder | None:
        if not isinstance(adapter, TumblrAdapter):
            raise TypeError(f"Tumblr's declaration was handed {adapter!r}")
        return adapter

    def chooser(self, adapter: PlatformAdapter) -> AccountChooser | None:
        """The supporter's blogs, one of which posts."""
        if not isinstance(adapter, TumblrAdapter):
            raise TypeError(f"Tumblr's declaration was handed {adapter!r}")
        return adapter

    def inline_media(self, adapter: PlatformAdapter) -> InlineMedia | None:
        """No upload before the post: the image goes in the multipart post at T (media.py)."""
        return TumblrMedia(adapter) if isinstance(adapter, TumblrAdapter) else None

    def sandbox_env(self, announced: Mapping[str, Any]) -> dict[str, str]:
        url = announced.get("tumblr_url")
        if not isinstance(url, str):
            return {}
        return {
            "AMPLIFIER_TUMBLR_CLIENT_ID": str(announced.get("tumblr_client_id", "")),
            "AMPLIFIER_TUMBLR_CLIENT_SECRET": str(announced.get("tumblr_client_secret", "")),
            "AMPLIFIER_TUMBLR_API_BASE": url,
            "AMPLIFIER_TUMBLR_AUTHORIZE_URL": f"{url}/oauth2/authorize",
            "AMPLIFIER_TUMBLR_WEB_BASE": url,
        }


DECLARATION = Tumblr()
