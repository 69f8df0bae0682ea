"""LinkedIn's settings: `AMPLIFIER_LINKEDIN_*`, and the release limits under
`AMPLIFIER_LIMIT_LINKEDIN_*`. See x/settings.py for why a sub-model.

`version` is the one `LinkedIn-Version` header every versioned call sends (YYYYMM). LinkedIn
supports each monthly version for at least a year and then answers 426 to it
(https://learn.microsoft.com/en-us/linkedin/marketing/versioning): a test
(tests/platforms/linkedin/test_version.py) fails once the pinned one is older than that.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The version this code was written against (July 2026), supported until about July 2027.
PINNED_VERSION = "202607"


class LinkedInSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AMPLIFIER_LINKEDIN_", env_file=".env", extra="ignore", populate_by_name=True
    )

    client_id: str | None = None
    client_secret: str | None = None
    api_base: str = "https://api.linkedin.com"
    # the OAuth pages and token endpoint live on www.linkedin.com, the API on api.linkedin.com
    oauth_base: str = "https://www.linkedin.com"
    web_base: str = "https://www.linkedin.com"
    version: str = PINNED_VERSION
    # r_member_social is granted to few apps: only with it can an unknown outcome be settled by
    # reading the member's recent posts; without it such a post is reported unconfirmed.
    read_posts: bool = False

    # LinkedIn does not publish its daily limits for POST /rest/posts (they are shown per app
    # in the Developer Portal's Analytics tab): set these to what the portal says.
    limit_app_per_day: int = Field(
        default=100_000, ge=1, validation_alias="AMPLIFIER_LIMIT_LINKEDIN_APP_PER_DAY"
    )
    limit_member_per_day: int = Field(
        default=150, ge=1, validation_alias="AMPLIFIER_LIMIT_LINKEDIN_MEMBER_PER_DAY"
    )
    limit_concurrency: int = Field(
        default=50, ge=1, validation_alias="AMPLIFIER_LIMIT_LINKEDIN_CONCURRENCY"
    )

    @field_validator("version")
    @classmethod
    def _yyyymm(cls, value: str) -> str:
        value = value.strip()
        if not (len(value) == 6 and value.isascii() and value.isdigit()):
            raise ValueError("AMPLIFIER_LINKEDIN_VERSION is a LinkedIn-Version, YYYYMM (202607)")
        if not 1 <= int(value[4:]) <= 12:
            raise ValueError(f"AMPLIFIER_LINKEDIN_VERSION {value}: the month must be 01-12")
        return value
