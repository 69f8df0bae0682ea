"""The objects one process needs (settings, database, cipher, adapters, clock), built once.

The web app, the Celery tasks and the CLI all start from `get_runtime()`, so they agree on
configuration by construction; tests build their own `Runtime` around a test database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from amplifier.crypto import TokenCipher
from amplifier.db import Database
from amplifier.logging_setup import log_ids
from amplifier.notify.preflight import PreflightRun, run_preflight
from amplifier.pledges.connectors import Connectors
from amplifier.release.due import DueWork, collect_due_work
from amplifier.release.fire import Firer, FireResult, run_firer
from amplifier.release.limits import RedisLimiter, policy_for
from amplifier.release.prepare import (
    Begun,
    Preparation,
    begin_preparation,
    prepare,
    prepare_pages,
)
from amplifier.release.refclock import ReferenceClock
from config.settings import Settings, get_settings

PREFLIGHT_QUIET_MARGIN_S = 60.0  # the preflight leaves a campaign this long before it is leased


@dataclass
class Runtime:
    settings: Settings
    db: Database
    cipher: TokenCipher
    connectors: Connectors
    clock: ReferenceClock

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        cipher = TokenCipher(settings.fernet_keys())
        return cls(
            settings=settings,
            db=Database(settings.resolved_database_url),
            cipher=cipher,
            connectors=Connectors(settings, cipher),
            clock=ReferenceClock(settings.redis_url),
        )

    def collect_due_work(self, *, lead_s: float | None = None) -> DueWork:
        with self.db.session() as session:
            return collect_due_work(
                session,
                now=self.clock.now(),
                lead_s=self.settings.release_prepare_lead_s if lead_s is None else lead_s,
                lease_s=self.settings.release_lease_s,
                settings=self.settings,
            )

    def prepare(self, campaign_id: int) -> Preparation:
        """The whole preparation in this process."""
        with log_ids(campaign_id=campaign_id):
            return prepare(
                self.db,
                self.connectors,
                self.cipher,
                campaign_id=campaign_id,
                now=self.clock.now(),
                lease_s=self.settings.release_lease_s,
                stale_s=self.settings.release_stale_s,
                page_size=self.settings.release_prepare_page_size,
            )

    def begin_preparation(self, campaign_id: int) -> Begun:
        return begin_preparation(
            self.db,
            campaign_id=campaign_id,
            now=self.clock.now(),
            page_size=self.settings.release_prepare_page_size,
        )

    def prepare_pages(
        self, campaign_id: int, on_ready: Callable[[], None] = lambda: None
    ) -> Preparation:
        """Prepare pages of the campaign beside any other preparer; see prepare.py."""
        with log_ids(campaign_id=campaign_id):
            return prepare_pages(
                self.db,
                self.connectors,
                self.cipher,
                campaign_id=campaign_id,
                now=self.clock.now(),
                lease_s=self.settings.release_lease_s,
                stale_s=self.settings.release_stale_s,
                on_ready=on_ready,
            )

    def preflight(self) -> PreflightRun:
        """Check the connections of pledges whose release is within the preflight lead."""
        return run_preflight(
            self.db,
            self.connectors,
            self.cipher,
            now=self.clock.now(),
            lead_s=self.settings.preflight_lead_s,
            quiet_s=self.settings.release_prepare_lead_s + PREFLIGHT_QUIET_MARGIN_S,
        )

    def firer(self) -> Firer:
        return Firer(
            db=self.db,
            connectors=self.connectors,
            cipher=self.cipher,
            clock=self.clock,
            concurrency=self.settings.release_concurrency,
            page_size=self.settings.release_page_size,
            lease_s=self.settings.release_lease_s,
            stale_s=self.settings.release_stale_s,
            retry_window_s=self.settings.release_retry_window_s,
            platform_timeout_s=self.settings.platform_timeout_s,
            limiter_factory=self._limiter if self.settings.redis_url else None,
        )

    def _limiter(self) -> RedisLimiter:
        """Per-platform limits shared with every other worker through Redis."""
        import redis.asyncio

        settings = self.settings
        assert settings.redis_url is not None
        return RedisLimiter(
            redis.asyncio.Redis.from_url(settings.redis_url),
            lambda key: policy_for(key, settings),
            lease_s=settings.limit_lease_s,
            owns_client=True,
        )

    def fire(self, campaign_id: int) -> FireResult:
        with log_ids(campaign_id=campaign_id):
            return run_firer(self.firer(), campaign_id)

    def release(self, campaign_id: int) -> FireResult:
        """Prepare and fire in this process: for cron runs and tests."""
        self.prepare(campaign_id)
        return self.fire(campaign_id)


_lock = threading.Lock()
_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = Runtime.from_settings(get_settings())
        return _runtime
