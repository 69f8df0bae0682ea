"""X, declared once (declaration.py says what each answer is for).

Facts from X's documentation: "Counting characters" (280 weighted, URLs 23), "Rate limits"
(POST /2/tweets: 100 per 15 minutes per user, 10,000 per 24 hours per app on Pro access),
"Automation rules" (no identical content from many accounts), "OAuth 2.0 Authorization Code
Flow with PKCE" (2-hour access tokens, rotating refresh tokens). X has no idempotency key: an
unknown outcome is settled by looking in the account's recent posts.

X's rules on similar content: the X Automation rules
(https://help.x.com/en/rules-and-policies/x-automation) forbid posting "duplicative or
substantially similar content" across multiple accounts; X's developer guidelines
(https://docs.x.com/developer-guidelines) list "Bot posts identical content across multiple
accounts" as not allowed (spam, platform manipulation) and warn that violations can bring app
suspension; X said when it brought the rule in (March 2018) that it applies "regardless of
whether the Tweets are published to Twitter at the same time, or are scheduled/queued"
(https://twittercommunity.com/t/clarification-on-timings-for-new-policy-about-multiple-accounts-mar-23-2018/101756).
Hence the similarity rule and the modes below. X's price per post: pay-per-use
(https://docs.x.com/x-api/getting-started/pricing), in XSettings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from ..base import PlatformAdapter, PostDeleter, PostFinder, Staging, TextLimit
from ..declaration import AccountHome, Declaration, LimitWindow, WindowScope, Wiring
from ..posting import PostingMode, PostPrice, SimilarityRule
from .adapter import XAdapter
from .intent import intent_link
from .media import RULES, XMedia
from .settings import XSettings
from .text import MAX_WEIGHTED_LENGTH as X_MAX_WEIGHTED
from .text import TRANSFORMED_URL_LENGTH as X_URL_LENGTH
from .text import text_problems as x_text_problems

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
        "from many accounts, even when scheduled, and can suspend the app that does: choose "
        'how X supporters take part (platform_modes): "automatic" posts each supporter\'s '
        "own text, and refuses at consent a text too close to one already pledged (allow "
        "personalisation "
        'and ask supporters to write their own); "intent" posts nothing by API and mails '
        'each supporter a one-tap link at the release time; "off" leaves X out. X charges '
        "per automated post, far more for one with a link. Publishing "
        "(POST /2/tweets) is rate-limited per user and per app; X's current table lists "
        "100 posts per 15 minutes per user and 10,000 per 24 hours per app, and lower tiers "
        "have had far lower caps: check the app's limits in the X Developer Console before a "
        "large release. Access tokens last 2 hours and are refreshed before the release. An "
        "image (5 MB at most, alt text up to 1,000 characters) is uploaded to each "
        "supporter's account before the release (the media.write scope)."
    )
    home = AccountHome.APP
    default_text_limit: ClassVar[TextLimit] = TextLimit(X_MAX_WEIGHTED, X_URL_LENGTH)
    idempotency_memory = None
    settings_model = XSettings
    media = RULES  # media.py
    media_scope = "media.write"  # asked at connection since images; older pledges lack it
    upload_calls = 2  # POST /2/media/upload, then POST /2/media/metadata (the alt text)
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

    def upload_windows(self, settings: XSettings) -> tuple[LimitWindow, ...]:
        """ "Rate limits" (docs.x.com/x-api/fundamentals/rate-limits), counted apart from posts:
        `/2/media/upload` and `/2/media/metadata` each 50,000 per 24 hours per app and 500 per
        15 minutes per user."""
        return (
            LimitWindow(500, 15 * 60.0, WindowScope.USER),
            LimitWindow(50_000, DAY_S, WindowScope.APP),
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

    def stager(self, adapter: PlatformAdapter) -> Staging | None:
        """Images are uploaded to the supporter's account before T (media.py)."""
        return XMedia(adapter) if isinstance(adapter, XAdapter) else None

    posting_modes = (PostingMode.AUTOMATIC, PostingMode.INTENT, PostingMode.OFF)

    def default_mode(self, settings: XSettings) -> PostingMode:
        return PostingMode(settings.default_mode)

    def production_problem(self, settings: XSettings) -> str | None:
        if settings.allow_similar_texts:
            return (
                "AMPLIFIER_X_ALLOW_SIMILAR_TEXTS turns off the check that keeps X supporters' "
                "texts distinct, which X's automation rules require: unset it in production"
            )
        return None

    def similarity_rule(self, settings: XSettings) -> SimilarityRule | None:
        if settings.allow_similar_texts:
            return None
        return SimilarityRule(
            settings.similarity_threshold, "https://help.x.com/en/rules-and-policies/x-automation"
        )

    def price(self, settings: XSettings) -> PostPrice | None:
        return PostPrice(
            settings.price_per_post_usd,
            settings.price_per_post_with_url_usd,
            "https://docs.x.com/x-api/getting-started/pricing",
        )

    def budget_per_campaign(self, settings: XSettings) -> Decimal | None:
        return settings.budget_per_campaign_usd

    def intent_link(self, text: str, link: str | None = None) -> str | None:
        return intent_link(text, link)


DECLARATION = X()
