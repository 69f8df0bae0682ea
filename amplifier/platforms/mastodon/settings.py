"""Mastodon's settings: `AMPLIFIER_MASTODON_*`, and the release's politeness limits under their
documented names (`AMPLIFIER_LIMIT_MASTODON_*`). See x/settings.py for why a sub-model."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MastodonSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AMPLIFIER_MASTODON_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # http:// servers and loopback/private addresses (the sandbox); lifts the SSRF guard.
    allow_http: bool = False
    suggested_instance: str = "mastodon.social"
    client_name: str = "amplifier"

    # Mastodon limits each account (300 calls / 5 min), never our one post per account, but
    # every status makes the instance fan out federation jobs: at most this many of our calls
    # in flight on any one instance, so a volunteer-run server is not knocked over.
    limit_concurrency: int = Field(
        default=50, ge=1, validation_alias="AMPLIFIER_LIMIT_MASTODON_CONCURRENCY"
    )
    # Sustained statuses per second on any one instance (the burst allowance is one second's
    # worth): 10,000 supporters on mastodon.social still leave within ~100 s.
    limit_per_s: float = Field(
        default=100.0, gt=0, validation_alias="AMPLIFIER_LIMIT_MASTODON_PER_S"
    )
