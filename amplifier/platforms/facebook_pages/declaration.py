"""Facebook Pages, declared once (declaration.py says what each answer is for).

Facts from Meta's documentation: the Pages API's getting-started (a Page token from
`/me/accounts`, the CREATE_CONTENT task, `POST /{page-id}/feed`), rate limiting (Page tokens
count against the Page's Business Use Case limit), App Review and access levels
(https://developers.facebook.com/docs/graph-api/overview/access-levels). A Page post has no
idempotency key: an unknown outcome is settled by reading the Page's feed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..base import AccountChooser, PlatformAdapter, PostFinder, Staging, TextLimit
from ..declaration import (
    AccountHome,
    ConnectStep,
    Declaration,
    LimitWindow,
    WindowScope,
    Wiring,
)
from .adapter import FacebookPagesAdapter
from .media import RULES, PagePhotos
from .settings import FacebookPagesSettings
from .text import MAX_CHARACTERS, text_problems

DAY_S = 24 * 3600.0


class FacebookPages(Declaration[FacebookPagesSettings]):
    name = "facebook_pages"
    label = "Facebook Page"
    site = "Facebook"
    max_text = f"{MAX_CHARACTERS:,} characters; a link counts as the characters it has."
    rules = (
        "Facebook no longer lets apps post on a person's own timeline: supporters post as a "
        "Facebook Page they manage (they need the 'create content' task on it), chosen after "
        "they sign in. Before real supporters can use it, the deployment's Meta app needs App "
        "Review with advanced access to pages_show_list, pages_manage_posts and "
        "pages_read_engagement, and a verified business; until then only the app's own "
        "admins, developers and testers can connect. Page posts count against each Page's "
        "Business Use Case rate limit, and a campaign image (JPEG, PNG or GIF, at most 4 MB) "
        "is uploaded to each Page unpublished before the release. Facebook refuses a Page's "
        "duplicate of its own recent post and may block Pages that post identical content: "
        "let supporters personalise."
    )
    home = AccountHome.APP
    connect = ConnectStep(
        chooses_account=True,
        account_noun="Page",
        no_account=(
            "Facebook lets amplifier post only as a Page you manage. Create a Page on Facebook, "
            "or ask a Page's admin to give you the task of creating content on it, and allow "
            "amplifier that Page when Facebook asks."
        ),
    )
    default_text_limit: ClassVar[TextLimit] = TextLimit(MAX_CHARACTERS, 0)
    idempotency_memory = None
    settings_model = FacebookPagesSettings
    media = RULES  # a photo uploaded unpublished before T, attached to the post at T

    def text_problems(self, text: str, limit: TextLimit | None = None) -> list[str]:
        return text_problems(text, limit.characters if limit else MAX_CHARACTERS)

    def rate_windows(self, settings: FacebookPagesSettings) -> tuple[LimitWindow, ...]:
        return (
            LimitWindow(settings.limit_page_per_day, DAY_S, WindowScope.USER),
            LimitWindow(settings.limit_app_per_hour, 3600.0, WindowScope.APP),
        )

    def concurrency(self, settings: FacebookPagesSettings) -> int | None:
        return settings.limit_concurrency

    def unavailable(self, settings: FacebookPagesSettings) -> str | None:
        if not settings.client_id or not settings.client_secret:
            return (
                "Facebook Pages is not configured here (set AMPLIFIER_FACEBOOK_PAGES_CLIENT_ID "
                "and AMPLIFIER_FACEBOOK_PAGES_CLIENT_SECRET)"
            )
        return None

    def allows_plain_http(self, settings: FacebookPagesSettings) -> bool:
        return settings.graph_base.startswith("http://")  # the sandbox

    def production_problem(self, settings: FacebookPagesSettings) -> str | None:
        if settings.graph_base.startswith("http://") or settings.dialog_base.startswith("http://"):
            return "Facebook Pages points at a plain-http host (the sandbox)"
        return None

    def build(self, settings: FacebookPagesSettings, wiring: Wiring, host: str) -> PlatformAdapter:
        return FacebookPagesAdapter(
            client_id=settings.client_id or "",
            client_secret=settings.client_secret or "",
            graph=settings.graph,
            dialog=settings.dialog,
            web_base=settings.web_base,
            timeout=wiring.timeout_s,
        )

    def _adapter(self, adapter: PlatformAdapter) -> FacebookPagesAdapter:
        if not isinstance(adapter, FacebookPagesAdapter):
            raise TypeError(f"Facebook Pages' declaration was handed {adapter!r}")
        return adapter

    def finder(self, adapter: PlatformAdapter) -> PostFinder | None:
        return self._adapter(adapter)

    def chooser(self, adapter: PlatformAdapter) -> AccountChooser | None:
        return self._adapter(adapter)

    def stager(self, adapter: PlatformAdapter) -> Staging | None:
        """A campaign image is uploaded to the Page unpublished before T (media.py)."""
        return PagePhotos(self._adapter(adapter))

    def sandbox_env(self, announced: Mapping[str, Any]) -> dict[str, str]:
        url = announced.get("facebook_pages_url")
        if not isinstance(url, str):
            return {}
        return {
            "AMPLIFIER_FACEBOOK_PAGES_CLIENT_ID": str(
                announced.get("facebook_pages_client_id", "")
            ),
            "AMPLIFIER_FACEBOOK_PAGES_CLIENT_SECRET": str(
                announced.get("facebook_pages_client_secret", "")
            ),
            "AMPLIFIER_FACEBOOK_PAGES_GRAPH_BASE": url,
            "AMPLIFIER_FACEBOOK_PAGES_DIALOG_BASE": url,
            "AMPLIFIER_FACEBOOK_PAGES_WEB_BASE": url,
        }


DECLARATION = FacebookPages()
