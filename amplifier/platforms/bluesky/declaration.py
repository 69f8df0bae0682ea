"""Bluesky, declared once (declaration.py says what each answer is for).

Facts: lexicon `app.bsky.feed.post` (300 graphemes, 3,000 bytes); docs.bsky.app "Rate Limits"
(5,000 write points an hour per account, a create costs 3: 1,666 posts; 3,000 requests per
5 minutes per client address on a PDS); https://atproto.com/specs/oauth (a confidential client
with its metadata at its client_id URL). Supporters name their account by its handle; the host
is their PDS.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

from ..base import PlatformAdapter, PostFinder, Staging, TextLimit
from ..declaration import (
    AccountHome,
    ConnectAsks,
    ConnectStep,
    Declaration,
    LimitWindow,
    WindowScope,
    Wiring,
)
from . import client, text
from .adapter import BlueskyAdapter
from .identity import Resolver
from .media import RULES, BlueskyMedia
from .settings import BlueskySettings


class Bluesky(Declaration[BlueskySettings]):
    name = "bluesky"
    label = "Bluesky"
    max_text = (
        "300 characters (graphemes: an emoji counts 1) and 3,000 bytes of UTF-8. Links, "
        "@mentions and #hashtags are made clickable by amplifier."
    )
    rules = (
        "Each account may create about 1,666 posts an hour; each PDS host allows 3,000 requests "
        "per 5 minutes from one address, so thousands of supporters on one host are paced over "
        "minutes. A post is written under a record key chosen by amplifier, so it is never "
        "made twice."
    )
    home = AccountHome.SUPPORTER_HOST
    # "Action Intent Links" (docs.bsky.app/docs/advanced-guides/intent-links): the web compose
    # intent opens the supporter's own Bluesky app, whatever their PDS
    share_intent = "https://bsky.app/intent/compose?text={text}"
    connect = ConnectStep(
        asks=ConnectAsks.HANDLE,
        prompt="Your Bluesky handle",
        question="Which Bluesky account?",
        missing="Type your Bluesky handle, for example alice.bsky.social.",
    )
    default_text_limit: ClassVar[TextLimit] = TextLimit(text.MAX_GRAPHEMES, 0)
    # The record key never expires; resending it is safe for as long as the engine keeps trying.
    idempotency_memory = timedelta(hours=24)
    settings_model = BlueskySettings
    # lexicon app.bsky.embed.images (media.py): 1,000,000 bytes an image, alt text required
    media = RULES
    upload_calls = 1  # com.atproto.repo.uploadBlob; the session's scope covers it (no own scope)

    def text_problems(self, text_: str, limit: TextLimit | None = None) -> list[str]:
        limit = limit or self.default_text_limit
        return text.text_problems(text_, max_graphemes=limit.characters)

    def rate_windows(self, settings: BlueskySettings) -> tuple[LimitWindow, ...]:
        return (
            LimitWindow(1_666, 3_600.0, WindowScope.USER),
            LimitWindow(settings.limit_per_5_min, 300.0, WindowScope.HOST),
        )

    def upload_windows(self, settings: BlueskySettings) -> tuple[LimitWindow, ...]:
        """Blob uploads are requests to the supporter's PDS like any other: Bluesky's rate-limit
        page counts them in the host's 3,000 per 5 minutes per client address."""
        return (LimitWindow(settings.limit_per_5_min, 300.0, WindowScope.HOST),)

    def concurrency(self, settings: BlueskySettings) -> int | None:
        return settings.limit_concurrency

    def unavailable(self, settings: BlueskySettings) -> str | None:
        if settings.client_key is None and settings.env == "production":
            return "Bluesky needs the client's key (set AMPLIFIER_BLUESKY_CLIENT_KEY)"
        return None

    def allows_plain_http(self, settings: BlueskySettings) -> bool:
        return settings.allow_http

    def production_problem(self, settings: BlueskySettings) -> str | None:
        if settings.allow_http or settings.handle_resolver:
            return (
                "AMPLIFIER_BLUESKY_ALLOW_HTTP and AMPLIFIER_BLUESKY_HANDLE_RESOLVER are for the "
                "sandbox only: unset them in production"
            )
        return None

    def settings_of(self, settings: Any) -> BlueskySettings:
        """The sub-model, with the app's own mode and data directory (where a development key
        is made): those are the app's settings, however they were given."""
        sub = super().settings_of(settings)
        env, data_dir = getattr(settings, "env", sub.env), getattr(settings, "data_dir", None)
        return sub.model_copy(update={"env": env, "data_dir": data_dir or sub.data_dir})

    def _resolver(self, settings: BlueskySettings, timeout: float) -> Resolver:
        return Resolver(
            plc_directory=settings.plc_directory,
            handle_resolver=settings.handle_resolver,
            timeout=timeout,
            public_only=not settings.allow_http,
        )

    def normalise_host(self, raw: str, settings: BlueskySettings) -> str:
        """The supporter's handle, resolved to their PDS (ValueError saying why not)."""
        return self._resolver(settings, 10.0).identity(raw).pds

    def build(self, settings: BlueskySettings, wiring: Wiring, host: str) -> PlatformAdapter:
        key = client.client_key(settings)
        if key is None:
            from ..base import Rejected

            raise Rejected("Bluesky is not configured here (no client key)")
        return BlueskyAdapter(
            pds_url=host,
            client_id=client.client_id(wiring.public_url),
            client_key=key,
            resolver=self._resolver(settings, wiring.timeout_s),
            timeout=wiring.timeout_s,
            public_only=not settings.allow_http,
            web_base=settings.web_base,
        )

    def finder(self, adapter: PlatformAdapter) -> PostFinder | None:
        return adapter if isinstance(adapter, BlueskyAdapter) else None

    def stager(self, adapter: PlatformAdapter) -> Staging | None:
        """Uploads of the image (blobs) before T; the link's card rides on the same path."""
        return BlueskyMedia(adapter) if isinstance(adapter, BlueskyAdapter) else None

    def callback_problem(self, adapter: PlatformAdapter, query: Mapping[str, str]) -> str | None:
        """atproto OAuth: the callback's `iss` must be the authorization server of the PAR (RFC
        9207), or a code from elsewhere could be mixed into this sign-in."""
        if not isinstance(adapter, BlueskyAdapter):
            return None
        expected, got = adapter.auth_server().issuer, query.get("iss", "")
        if got != expected:
            return (
                f"The sign-in came back from “{got or 'nowhere'}”, not from {expected}, "
                "where it was started."
            )
        return None

    def documents(self, settings: BlueskySettings, public_url: str, redirect_uri: str) -> (
        dict[str, Any]
    ):  # fmt: skip
        """The documents the app serves for this platform: path → JSON."""
        key = client.client_key(settings)
        if key is None:
            return {}
        return {
            client.METADATA_PATH: client.metadata(public_url, redirect_uri, settings.client_name),
            client.JWKS_PATH: client.jwks(key),
        }


DECLARATION = Bluesky()
