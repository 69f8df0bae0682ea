"""Mastodon, declared once (declaration.py says what each answer is for).

Facts from Mastodon's documentation: "statuses API methods" (POST /api/v1/statuses honours an
`Idempotency-Key` for about an hour), "Instance" (each server's `max_characters` and
`characters_reserved_per_url`), "Rate limits" (300 calls per 5 minutes per account), "apps API
methods" (an OAuth client is registered on each server). Supporters name their own server.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from ..base import ClientCredentials, PlatformAdapter, PostDeleter, Staging, TextLimit
from ..declaration import (
    AccountHome,
    ConnectAsks,
    ConnectStep,
    Declaration,
    HostApp,
    LimitWindow,
    WindowScope,
    Wiring,
)
from .adapter import MastodonAdapter
from .instance import SCOPES, fetch_instance_facts, normalise_instance, register_app
from .media import RULES, MastodonMedia
from .settings import MastodonSettings
from .text import DEFAULT_MAX_CHARACTERS as MASTODON_DEFAULT_MAX
from .text import DEFAULT_URL_LENGTH as MASTODON_URL_LENGTH
from .text import text_problems as mastodon_text_problems


class Mastodon(Declaration[MastodonSettings]):
    name = "mastodon"
    label = "Mastodon"
    max_text = (
        f"{MASTODON_DEFAULT_MAX} characters by default; each server sets its own limit. "
        "Every link counts 23, and a mention @user@server counts as @user."
    )
    rules = (
        "Each server has its own rules and moderators: many frown on identical posts from "
        "many accounts, so let supporters adapt the text. The API allows 300 requests per "
        "5 minutes per account by default (servers may change it); a supporter's post is "
        "sent once with an Idempotency-Key, which the server remembers for about an hour. "
        "An image (16 MB by default, alt text up to 1,500 characters) is uploaded to each "
        "supporter's server before the release."
    )
    home = AccountHome.SUPPORTER_HOST
    connect = ConnectStep(
        asks=ConnectAsks.SERVER,
        prompt="Your Mastodon server",
        question="Which Mastodon server?",
        missing="Type the address of your Mastodon server, for example mastodon.social.",
    )
    default_text_limit: ClassVar[TextLimit] = TextLimit(MASTODON_DEFAULT_MAX, MASTODON_URL_LENGTH)
    # the web app's share page, which pre-fills the composer: {host}/share?text=…
    share_intent = "{host}/share?text={text}"
    deletes_posts = True  # DELETE /api/v1/statuses/:id
    # Servers keep keys about an hour: stay well inside it.
    idempotency_memory = timedelta(minutes=50)
    settings_model = MastodonSettings
    media = RULES  # the default server's limits (media.py); a server may set lower ones
    media_scope = "write:media"  # asked at connection since images; older pledges lack it
    upload_calls = 1  # POST /api/v2/media (and a status look-up while it processes)

    def text_problems(self, text: str, limit: TextLimit | None = None) -> list[str]:
        limit = limit or self.default_text_limit
        return mastodon_text_problems(text, limit.characters, url_length=limit.url)

    def rate_windows(self, settings: MastodonSettings) -> tuple[LimitWindow, ...]:
        per_s = settings.limit_per_s
        # An integer count per period keeps buckets exact for fractional rates like 0.5/s.
        requests, period = (round(per_s), 1.0) if per_s >= 1 else (1, 1.0 / per_s)
        return (
            LimitWindow(300, 300.0, WindowScope.USER),
            LimitWindow(requests, period, WindowScope.HOST),
        )

    def upload_windows(self, settings: MastodonSettings) -> tuple[LimitWindow, ...]:
        """ "Rate limits" (/api/rate-limits/): 30 media uploads per 30 minutes per account."""
        return (LimitWindow(30, 1800.0, WindowScope.USER),)

    def concurrency(self, settings: MastodonSettings) -> int | None:
        return settings.limit_concurrency

    def allows_plain_http(self, settings: MastodonSettings) -> bool:
        return settings.allow_http

    def production_problem(self, settings: MastodonSettings) -> str | None:
        if settings.allow_http:
            return (
                "AMPLIFIER_MASTODON_ALLOW_HTTP lets supporters point the app at hosts inside "
                "your network: it is for local development only, unset it in production"
            )
        return None

    def normalise_host(self, raw: str, settings: MastodonSettings) -> str:
        return normalise_instance(raw, allow_http=settings.allow_http)

    def suggested_host(self, settings: MastodonSettings) -> str:
        return settings.suggested_instance

    def build(self, settings: MastodonSettings, wiring: Wiring, host: str) -> PlatformAdapter:
        public_only = not settings.allow_http  # supporters name the host: see egress.py
        app = wiring.host_apps.stored(host)
        # registered again when our address changed, or before we asked what we ask now (an
        # app made before images lacks write:media, and a token cannot hold more than its app)
        if app is None or app.redirect_uri != wiring.redirect_uri or _lacks_scopes(app):
            credentials = register_app(
                host,
                client_name=settings.client_name,
                redirect_uri=wiring.redirect_uri,
                website=wiring.public_url,
                timeout=wiring.timeout_s,
                public_only=public_only,
            )
            facts = fetch_instance_facts(host, timeout=wiring.timeout_s, public_only=public_only)
            app = wiring.host_apps.keep(
                host,
                HostApp(
                    client=ClientCredentials(credentials.client_id, credentials.client_secret),
                    redirect_uri=wiring.redirect_uri,
                    text_limit=TextLimit(facts.max_characters, facts.characters_reserved_per_url),
                    account_domain=facts.domain,
                    scopes=" ".join(SCOPES),
                ),
            )
        return MastodonAdapter(
            instance_url=host,
            client_id=app.client.client_id,
            client_secret=app.client.client_secret or "",
            max_characters=app.text_limit.characters,
            characters_reserved_per_url=app.text_limit.url,
            account_domain=app.account_domain,
            timeout=wiring.timeout_s,
            public_only=public_only,
        )

    def stager(self, adapter: PlatformAdapter) -> Staging | None:
        """Images are uploaded to the supporter's server before T (media.py)."""
        return MastodonMedia(adapter) if isinstance(adapter, MastodonAdapter) else None

    def deleter(self, adapter: PlatformAdapter) -> PostDeleter | None:
        if not isinstance(adapter, MastodonAdapter):
            raise TypeError(f"Mastodon's declaration was handed {adapter!r}")
        return adapter


def _lacks_scopes(app: HostApp) -> bool:
    """Whether the app was registered without a scope we now ask (unknown: registered before
    the scopes were kept, when write:media was not asked)."""
    return app.scopes is None or not set(SCOPES) <= set(app.scopes.split())


DECLARATION = Mastodon()
