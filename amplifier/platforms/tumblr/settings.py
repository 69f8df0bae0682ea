"""Tumblr's settings: `AMPLIFIER_TUMBLR_*`, and the release limits under
`AMPLIFIER_LIMIT_TUMBLR_*`. See x/settings.py for why a sub-model.

Tumblr's API docs ("Rate Limits", https://www.tumblr.com/docs/en/api/v2#rate-limits): every app
key may make 1,000 calls an hour and 5,000 a day (newly registered apps; Tumblr raises them on
request), and each user 250 new posts a day.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TumblrSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AMPLIFIER_TUMBLR_", env_file=".env", extra="ignore", populate_by_name=True
    )

    client_id: str | None = None  # the app's OAuth consumer key
    client_secret: str | None = None
    api_base: str = "https://api.tumblr.com"
    authorize_url: str = "https://www.tumblr.com/oauth2/authorize"
    web_base: str = "https://www.tumblr.com"

    limit_app_per_hour: int = Field(
        default=1_000, ge=1, validation_alias="AMPLIFIER_LIMIT_TUMBLR_APP_PER_HOUR"
    )
    limit_app_per_day: int = Field(
        default=5_000, ge=1, validation_alias="AMPLIFIER_LIMIT_TUMBLR_APP_PER_DAY"
    )
    limit_user_posts_per_day: int = Field(
        default=250, ge=1, validation_alias="AMPLIFIER_LIMIT_TUMBLR_USER_POSTS_PER_DAY"
    )
    limit_concurrency: int = Field(
        default=20, ge=1, validation_alias="AMPLIFIER_LIMIT_TUMBLR_CONCURRENCY"
    )
