"""Builds the platform adapters this deployment is configured for, and caches them per process.

The adapters know nothing of settings or the database; this is where both are read: X's app
credentials and base URLs from settings, a Mastodon instance's OAuth client from the
`mastodon_app` table (registered on first use, then reused for every supporter of that instance).
"""

from __future__ import annotations

import threading

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from amplifier.crypto import TokenCipher
from amplifier.models import MastodonApp
from amplifier.platforms import mastodon as mastodon_platform
from amplifier.platforms.base import PlatformAdapter, PlatformError
from amplifier.platforms.mastodon import MastodonAdapter
from amplifier.platforms.x import XAdapter
from config.settings import Settings


class PlatformUnavailable(Exception):
    """The platform cannot be used here (not configured, or the instance cannot be reached)."""


class Connectors:
    def __init__(self, settings: Settings, cipher: TokenCipher) -> None:
        self.settings = settings
        self.cipher = cipher
        self._lock = threading.Lock()
        self._x: XAdapter | None = None
        self._mastodon: dict[str, MastodonAdapter] = {}

    def enabled_platforms(self) -> list[str]:
        return (["x"] if self.settings.x_client_id else []) + ["mastodon"]

    def redirect_uri(self, platform: str) -> str:
        return f"{self.settings.public_url.rstrip('/')}/oauth/{platform}/callback"

    def normalise_instance(self, raw: str) -> str:
        return mastodon_platform.normalise_instance(
            raw, allow_http=self.settings.mastodon_allow_http
        )

    def x(self) -> XAdapter:
        if not self.settings.x_client_id:
            raise PlatformUnavailable("X is not configured here (set AMPLIFIER_X_CLIENT_ID)")
        with self._lock:
            if self._x is None:
                self._x = XAdapter(
                    client_id=self.settings.x_client_id,
                    client_secret=self.settings.x_client_secret,
                    api_base=self.settings.x_api_base,
                    authorize_url=self.settings.x_authorize_url,
                    web_base=self.settings.x_web_base,
                    timeout=self.settings.platform_timeout_s,
                )
            return self._x

    @property
    def public_only(self) -> bool:
        """Supporter-named hosts must be public, except where local http is allowed (dev, tests)."""
        return not self.settings.mastodon_allow_http

    def mastodon(self, session: Session, instance_url: str) -> MastodonAdapter:
        with self._lock:
            cached = self._mastodon.get(instance_url)
        if cached is not None:
            return cached
        app = self._mastodon_app(session, instance_url)
        adapter = MastodonAdapter(
            instance_url=instance_url,
            client_id=app.client_id,
            client_secret=self.cipher.decrypt(app.client_secret_enc),
            max_characters=app.max_characters,
            characters_reserved_per_url=app.characters_reserved_per_url,
            account_domain=app.domain,
            timeout=self.settings.platform_timeout_s,
            public_only=self.public_only,
        )
        with self._lock:
            return self._mastodon.setdefault(instance_url, adapter)

    def for_platform(self, session: Session, platform: str, instance_url: str) -> PlatformAdapter:
        if platform == "x":
            return self.x()
        if platform == "mastodon":
            return self.mastodon(session, instance_url)
        raise PlatformUnavailable(f"unknown platform {platform!r}")

    def _mastodon_app(self, session: Session, instance_url: str) -> MastodonApp:
        redirect_uri = self.redirect_uri("mastodon")
        app = session.exec(
            select(MastodonApp).where(MastodonApp.instance_url == instance_url)
        ).first()
        if app is not None and app.redirect_uri == redirect_uri:
            return app
        try:
            credentials = mastodon_platform.register_app(
                instance_url,
                client_name=self.settings.mastodon_client_name,
                redirect_uri=redirect_uri,
                website=self.settings.public_url,
                timeout=self.settings.platform_timeout_s,
                public_only=self.public_only,
            )
            facts = mastodon_platform.fetch_instance_facts(
                instance_url,
                timeout=self.settings.platform_timeout_s,
                public_only=self.public_only,
            )
        except PlatformError as exc:
            raise PlatformUnavailable(
                f"{instance_url} did not let us register: {exc.message}"
            ) from exc
        secret = self.cipher.encrypt(credentials.client_secret or "")
        if app is None:
            app = MastodonApp(
                instance_url=instance_url,
                redirect_uri=redirect_uri,
                client_id=credentials.client_id,
                client_secret_enc=secret,
            )
        else:
            app.redirect_uri = redirect_uri
            app.client_id = credentials.client_id
            app.client_secret_enc = secret
        app.max_characters = facts.max_characters
        app.characters_reserved_per_url = facts.characters_reserved_per_url
        app.domain = facts.domain
        try:
            with session.begin_nested():
                session.add(app)
        except IntegrityError:  # another request registered it first: use theirs
            winner = session.exec(
                select(MastodonApp).where(MastodonApp.instance_url == instance_url)
            ).one()
            return winner
        return app
