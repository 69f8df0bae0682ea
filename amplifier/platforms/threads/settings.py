"""Threads' settings: `AMPLIFIER_THREADS_*`, release limits under `AMPLIFIER_LIMIT_THREADS_*`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ThreadsSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AMPLIFIER_THREADS_", env_file=".env", extra="ignore", populate_by_name=True
    )

    client_id: str | None = None  # the Threads app id (not the Meta app's own id)
    client_secret: str | None = None
    api_version: str = "v1.0"
    graph_base: str = "https://graph.threads.net"
    authorize_url: str = "https://threads.net/oauth/authorize"
    web_base: str = "https://www.threads.net"

    # Threads allows 250 API-published posts per profile per 24 h (threads_publishing_limit)
    limit_profile_per_day: int = Field(
        default=250, ge=1, validation_alias="AMPLIFIER_LIMIT_THREADS_PROFILE_PER_DAY"
    )
    # the app's pace across every profile: a guard for a burst (Meta publishes the app's call
    # budget per user, not one for the app); set it to what the app can take
    limit_app_per_hour: int = Field(
        default=36_000, ge=1, validation_alias="AMPLIFIER_LIMIT_THREADS_APP_PER_HOUR"
    )
    limit_concurrency: int = Field(
        default=100, ge=1, validation_alias="AMPLIFIER_LIMIT_THREADS_CONCURRENCY"
    )

    @property
    def graph(self) -> str:
        return f"{self.graph_base.rstrip('/')}/{self.api_version}"
