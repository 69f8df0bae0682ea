"""Builds the platform adapters this deployment is configured for, and caches them per process.

The adapters know nothing of settings or the database; this is where both are read: each
platform's settings sub-model, and for platforms whose supporters name their host (a Mastodon
server) our OAuth client on that host, from the `mastodon_app` table (registered on first use by
the platform's declaration, then reused for every supporter of that host). No platform is named
here: the registry's declarations say what each needs.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from amplifier.crypto import TokenCipher
from amplifier.models import MastodonApp
from amplifier.platforms.base import (
    ClientCredentials,
    PlatformAdapter,
    PlatformError,
    TextLimit,
    Unreached,
)
from amplifier.platforms.declaration import AccountHome, Declaration, HostApp, Wiring
from amplifier.platforms.registry import PLATFORMS, UnknownPlatform, declaration
from config.settings import Settings


class PlatformUnavailable(Exception):
    """The platform cannot be used here (not configured, or the instance cannot be reached)."""


class HostUnreachable(PlatformUnavailable):
    """Nothing reached the server the supporter named (its name did not resolve, the
    connection was refused or timed out; a server that answers badly is a PlatformUnavailable,
    a 502). Where the supporter has
    just typed it, it is their input to check (a typo, a server that is gone): the pledge form
    answers 422 with these plain words, never a class name. Other callers still see a
    PlatformUnavailable, as before."""


class _StoredHostApps:
    """`HostApps` over the database: client secrets encrypted with the token cipher."""

    def __init__(self, session: Session, cipher: TokenCipher) -> None:
        self.session = session
        self.cipher = cipher

    def _row(self, host: str) -> MastodonApp | None:
        return self.session.exec(
            select(MastodonApp).where(MastodonApp.instance_url == host)
        ).first()

    def _app(self, row: MastodonApp) -> HostApp:
        return HostApp(
            client=ClientCredentials(row.client_id, self.cipher.decrypt(row.client_secret_enc)),
            redirect_uri=row.redirect_uri,
            text_limit=TextLimit(row.max_characters, row.characters_reserved_per_url),
            account_domain=row.domain,
            scopes=row.scopes,
        )

    def stored(self, host: str) -> HostApp | None:
        row = self._row(host)
        return None if row is None else self._app(row)

    def keep(self, host: str, app: HostApp) -> HostApp:
        row = self._row(host) or MastodonApp(
            instance_url=host, redirect_uri="", client_id="", client_secret_enc=""
        )
        row.redirect_uri = app.redirect_uri
        row.client_id = app.client.client_id
        row.client_secret_enc = self.cipher.encrypt(app.client.client_secret or "")
        row.max_characters = app.text_limit.characters
        row.characters_reserved_per_url = app.text_limit.url
        row.domain = app.account_domain
        row.scopes = app.scopes
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:  # another request registered it first: use theirs
            winner = self._row(host)
            assert winner is not None
            return self._app(winner)
        return app


class Connectors:
    def __init__(self, settings: Settings, cipher: TokenCipher) -> None:
        self.settings = settings
        self.cipher = cipher
        self._lock = threading.Lock()
        self._adapters: dict[tuple[str, str], PlatformAdapter] = {}

    def settings_of(self, platform: str) -> Any:
        """The platform's settings sub-model (what its declaration's methods take)."""
        return declaration(platform).settings_of(self.settings)

    def enabled_platforms(self) -> list[str]:
        """The registered platforms this deployment is configured for, in registry order."""
        return [
            name for name, d in PLATFORMS.items() if d.unavailable(self.settings_of(name)) is None
        ]

    def redirect_uri(self, platform: str) -> str:
        return f"{self.settings.public_url.rstrip('/')}/oauth/{platform}/callback"

    def normalise_host(self, platform: str, raw: str) -> str:
        """A supporter-named host as a base URL; ValueError with a reason fit to show them."""
        return declaration(platform).normalise_host(raw, self.settings_of(platform))

    def suggested_host(self, platform: str) -> str:
        return declaration(platform).suggested_host(self.settings_of(platform))

    def for_platform(self, session: Session, platform: str, instance_url: str) -> PlatformAdapter:
        """The adapter for `platform` (on `instance_url` where supporters name their host).

        Raises PlatformUnavailable when the platform is unknown or not configured here;
        HostUnreachable (a PlatformUnavailable) when nothing reached a supporter-named host;
        PlatformUnavailable when it answered our registration badly;
        ValueError when a supporter-named host is missing."""
        try:
            found = declaration(platform)
        except UnknownPlatform as exc:
            raise PlatformUnavailable(str(exc)) from None
        sub = found.settings_of(self.settings)
        reason = found.unavailable(sub)
        if reason is not None:
            raise PlatformUnavailable(reason)
        host = instance_url if found.home is AccountHome.SUPPORTER_HOST else ""
        if found.home is AccountHome.SUPPORTER_HOST and not host:
            raise ValueError(f"{found.label}: which server? none was named")
        key = (platform, host)
        with self._lock:
            cached = self._adapters.get(key)
        if cached is not None:
            return cached
        adapter = self._build(session, found, sub, host)
        with self._lock:
            return self._adapters.setdefault(key, adapter)

    def _build(
        self, session: Session, found: Declaration[Any], sub: Any, host: str
    ) -> PlatformAdapter:
        wiring = Wiring(
            redirect_uri=self.redirect_uri(found.name),
            public_url=self.settings.public_url,
            timeout_s=self.settings.platform_timeout_s,
            host_apps=_StoredHostApps(session, self.cipher),
        )
        try:
            return found.build(sub, wiring, host)
        except Unreached as exc:  # nothing reached it: a typo, or a server that is gone
            name = host.removeprefix("https://").removeprefix("http://").rstrip("/")
            raise HostUnreachable(
                f"We could not reach the {found.label} server {name}. Check the address "
                "and try again, or try again in a few minutes."
            ) from exc
        except PlatformError as exc:  # it answered, badly: its failure, not the supporter's
            raise PlatformUnavailable(f"{host} did not let us register: {exc.message}") from exc
