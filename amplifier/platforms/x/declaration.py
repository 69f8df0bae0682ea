"""X, declared once (declaration.py says what each answer is for).

Facts from X's documentation: "Counting characters" (280 weighted, URLs 23), "Rate limits"
(POST /2/tweets: 100 per 15 minutes per user, 10,000 per 24 hours per app on Pro access),
"Automation rules" (no identical content from many accounts), "OAuth 2.0 Authorization Code
Flow with PKCE" (2-hour access tokens, rotating refresh tokens). X has no idempotency key: an
unknown outcome is settled by looking in the account's recent posts.
"""

from __future__ import annotations

from typing import ClassVar

from ..base import PlatformAdapter, PostDeleter, PostFinder, TextLimit
from ..declaration import AccountHome, Declaration, LimitWindow, WindowScope, Wiring
from ..text import X_MAX_WEIGHTED, X_URL_LENGTH, x_text_problems
from .adapter import XAdapter
from .settings import XSettings

DAY_S = 24 * 3600.0


class X(Declaration[XSettings]):
    name = "x"
    label = "X"
    max_text = (
        f"{X_MAX_WEIGHTED} weighted characters: most Latin-script characters count 1, "
        "CJK characters and emoji count 2, every link counts 23."
    )
    rules = (
        "X's automation rules forbid posting identical or substantially similar content "
        "from many accounts, even when scheduled, and X refuses an account's duplicate of "
        "its own recent post: give supporters room to personalise the text. Publishing "
        "(POST /2/tweets) is rate-limited per user and per app; X's current table lists "
        "100 posts per 15 minutes per user and 10,000 per 24 hours per app, and lower tiers "
        "have had far lower caps: check the app's limits in the X Developer Console before a "
        "large release. Access tokens last 2 hours and are refreshed before the release."
    )
    home = AccountHome.APP
    default_text_limit: ClassVar[TextLimit] = TextLimit(X_MAX_WEIGHTED, X_URL_LENGTH)
    idempotency_memory = None
    settings_model = XSettings
    # "Web Intent" (developer.x.com/en/docs/x-for-websites/tweet-button/guides/web-intent)
    share_intent = "https://twitter.com/intent/tweet?text={text}"
    deletes_posts = True  # DELETE /2/tweets/:id

    def text_problems(self, text: str, limit: TextLimit | None = None) -> list[str]:
        return x_text_problems(text)  # X's limit is the same for every account

    def rate_windows(self, settings: XSettings) -> tuple[LimitWindow, ...]:
        return (
            LimitWindow(settings.limit_user_per_15_min, 15 * 60.0, WindowScope.USER),
            LimitWindow(settings.limit_app_per_day, DAY_S, WindowScope.APP),
        )

    def concurrency(self, settings: XSettings) -> int | None:
        return settings.limit_concurrency

    def unavailable(self, settings: XSettings) -> str | None:
        if not settings.client_id:
            return "X is not configured here (set AMPLIFIER_X_CLIENT_ID)"
        return None

    def allows_plain_http(self, settings: XSettings) -> bool:
        return settings.authorize_url.startswith("http://")  # the sandbox

    def build(self, settings: XSettings, wiring: Wiring, host: str) -> PlatformAdapter:
        return XAdapter(
            client_id=settings.client_id or "",
            client_secret=settings.client_secret,
            api_base=settings.api_base,
            authorize_url=settings.authorize_url,
            web_base=settings.web_base,
            timeout=wiring.timeout_s,
        )

    def deleter(self, adapter: PlatformAdapter) -> PostDeleter | None:
        if not isinstance(adapter, XAdapter):
            raise TypeError(f"X's declaration was handed {adapter!r}")
        return adapter

    def finder(self, adapter: PlatformAdapter) -> PostFinder | None:
        if not isinstance(adapter, XAdapter):
            raise TypeError(f"X's declaration was handed {adapter!r}")
        return adapter


DECLARATION = X()
