"""Threads, declared once (declaration.py says what each answer is for).

Facts from Meta's Threads documentation: posts (500 characters, emoji counted by their UTF-8
bytes; a container then `threads_publish`), long-lived tokens (60 days, refreshable once 24
hours old, never after they lapse), publishing limits (250 API-published posts per profile per
24 hours, `threads_publishing_limit`). No idempotency key: an unknown outcome is settled by
reading the profile's latest posts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..base import PlatformAdapter, PostFinder, Staging, TextLimit
from ..declaration import AccountHome, Declaration, LimitWindow, WindowScope, Wiring
from .adapter import ThreadsAdapter
from .media import RULES
from .settings import ThreadsSettings
from .text import MAX_CHARACTERS, text_problems

DAY_S = 24 * 3600.0


class Threads(Declaration[ThreadsSettings]):
    name = "threads"
    label = "Threads"
    max_text = (
        f"{MAX_CHARACTERS} characters, and each emoji counts as its UTF-8 bytes (usually 4, "
        "more for flags and joined emoji)."
    )
    rules = (
        "Threads allows 250 posts through the API per profile per 24 hours, and its tokens "
        "last 60 days: they are refreshed before the release, and a supporter whose token "
        "lapsed is asked to reconnect. The deployment's Meta app needs the Threads use case and "
        "App Review for threads_basic, threads_content_publish and threads_manage_insights (read "
        "only for the followers count) before supporters without a role on the app can connect. "
        "A profile that already used its 250 posts of the day is dropped at preparation, with "
        "that reason. Threads fetches a campaign's image from this site's public address "
        "(JPEG or PNG, at most 8 MB), so that address must be reachable from the internet. "
        "Identical posts from many profiles may be limited as spam: "
        "let supporters personalise."
    )
    home = AccountHome.APP
    default_text_limit: ClassVar[TextLimit] = TextLimit(MAX_CHARACTERS, 0)
    idempotency_memory = None
    settings_model = ThreadsSettings
    media = RULES  # an IMAGE container, fetched by Meta from our public address (media.py)

    def text_problems(self, text: str, limit: TextLimit | None = None) -> list[str]:
        return text_problems(text, limit.characters if limit else MAX_CHARACTERS)

    def rate_windows(self, settings: ThreadsSettings) -> tuple[LimitWindow, ...]:
        return (
            LimitWindow(settings.limit_profile_per_day, DAY_S, WindowScope.USER),
            LimitWindow(settings.limit_app_per_hour, 3600.0, WindowScope.APP),
        )

    def concurrency(self, settings: ThreadsSettings) -> int | None:
        return settings.limit_concurrency

    def unavailable(self, settings: ThreadsSettings) -> str | None:
        if not settings.client_id or not settings.client_secret:
            return (
                "Threads is not configured here (set AMPLIFIER_THREADS_CLIENT_ID and "
                "AMPLIFIER_THREADS_CLIENT_SECRET)"
            )
        return None

    def allows_plain_http(self, settings: ThreadsSettings) -> bool:
        return settings.graph_base.startswith("http://")  # the sandbox

    def production_problem(self, settings: ThreadsSettings) -> str | None:
        if settings.graph_base.startswith("http://") or settings.authorize_url.startswith(
            "http://"
        ):
            return "Threads points at a plain-http host (the sandbox)"
        return None

    def build(self, settings: ThreadsSettings, wiring: Wiring, host: str) -> PlatformAdapter:
        return ThreadsAdapter(
            client_id=settings.client_id or "",
            client_secret=settings.client_secret or "",
            graph_base=settings.graph_base,
            api_version=settings.api_version,
            authorize_url=settings.authorize_url,
            web_base=settings.web_base,
            timeout=wiring.timeout_s,
            public_url=wiring.public_url,
        )

    def _adapter(self, adapter: PlatformAdapter) -> ThreadsAdapter:
        if not isinstance(adapter, ThreadsAdapter):
            raise TypeError(f"Threads' declaration was handed {adapter!r}")
        return adapter

    def finder(self, adapter: PlatformAdapter) -> PostFinder | None:
        return self._adapter(adapter)

    def stager(self, adapter: PlatformAdapter) -> Staging | None:
        """The container is made during preparation; only `threads_publish` leaves at T."""
        return self._adapter(adapter)

    def sandbox_env(self, announced: Mapping[str, Any]) -> dict[str, str]:
        url = announced.get("threads_url")
        if not isinstance(url, str):
            return {}
        return {
            "AMPLIFIER_THREADS_CLIENT_ID": str(announced.get("threads_client_id", "")),
            "AMPLIFIER_THREADS_CLIENT_SECRET": str(announced.get("threads_client_secret", "")),
            "AMPLIFIER_THREADS_GRAPH_BASE": url,
            "AMPLIFIER_THREADS_AUTHORIZE_URL": url + "/oauth/authorize",
            "AMPLIFIER_THREADS_WEB_BASE": url,
        }


DECLARATION = Threads()
