"""X's settings: `AMPLIFIER_X_*`, and the release limits under their documented names.

Why a sub-model: each platform's settings live beside its adapter instead of as more flat
prefixes on one object; the environment variables stay those the README's table lists.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class XSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AMPLIFIER_X_", env_file=".env", extra="ignore", populate_by_name=True
    )

    client_id: str | None = None
    client_secret: str | None = None
    api_base: str = "https://api.x.com"
    authorize_url: str = "https://x.com/i/oauth2/authorize"
    web_base: str = "https://x.com"

    # X documents POST /2/tweets at 10,000 requests per 24 h per app (Pro access; Basic
    # access documents far less, e.g. 1,667): set this to what the app's tier allows, since
    # the owner's capacity warnings and the release pacing both read it.
    limit_app_per_day: int = Field(
        default=10_000, ge=1, validation_alias="AMPLIFIER_LIMIT_X_APP_PER_DAY"
    )
    # X documents 100 POST /2/tweets per 15 minutes per user; amplifier posts once per account.
    limit_user_per_15_min: int = Field(
        default=100, ge=1, validation_alias="AMPLIFIER_LIMIT_X_USER_PER_15_MIN"
    )
    # X publishes no concurrency limit; 200 calls in flight at ~150 ms each is ~1,300 posts/s,
    # more than a day's budget in 8 s, so this only keeps a burst from opening thousands of
    # sockets to one host across all workers.
    limit_concurrency: int = Field(
        default=200, ge=1, validation_alias="AMPLIFIER_LIMIT_X_CONCURRENCY"
    )

    # How X supporters take part by default (posting.PostingMode): "automatic" when this
    # deployment's X app may post for many accounts at all, else "intent" (no API posting).
    default_mode: str = Field(default="automatic", pattern="^(automatic|intent)$")
    # X's automation rules forbid substantially similar posts from the accounts of one app: an
    # X text whose similarity (amplifier/similarity.py, 0-1) to one already pledged in the same
    # campaign is at least this is refused at consent. Lower is stricter.
    similarity_threshold: float = Field(default=0.5, gt=0.0, le=1.0)
    # Development and test only (production refuses to start with it): no similarity check, so
    # fixtures may pledge one text from many sandbox accounts. Never against the real X.
    allow_similar_texts: bool = False
    # X API pay-per-use prices per POST /2/tweets (USD), from
    # https://docs.x.com/x-api/getting-started/pricing ("Content: Create" $0.015 per request,
    # "Content: Create (with URL)" $0.200 per request); set them to the Developer Console's rates.
    price_per_post_usd: Decimal = Field(default=Decimal("0.015"), ge=0)
    price_per_post_with_url_usd: Decimal = Field(default=Decimal("0.200"), ge=0)
    # The most one campaign's automated X posts may cost; beyond it the campaign is not armed
    # for automated X posting: its X supporters are mailed one-tap links instead. None: no cap.
    budget_per_campaign_usd: Decimal | None = Field(default=None, ge=0)
