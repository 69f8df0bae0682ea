"""Facebook Pages' settings: `AMPLIFIER_FACEBOOK_PAGES_*`, release limits under
`AMPLIFIER_LIMIT_FACEBOOK_PAGES_*`. The Graph API version is pinned here, once."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Meta retires each Graph API version about two years after its release: move this on (and
# read the changelog) before it lapses (https://developers.facebook.com/docs/graph-api/changelog).
GRAPH_VERSION = "v24.0"


class FacebookPagesSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AMPLIFIER_FACEBOOK_PAGES_",
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
    )

    client_id: str | None = None  # the Meta app's id
    client_secret: str | None = None  # the Meta app's secret
    graph_version: str = GRAPH_VERSION
    graph_base: str = "https://graph.facebook.com"
    dialog_base: str = "https://www.facebook.com"
    web_base: str = "https://www.facebook.com"

    # Page-token calls count against each Page's Business Use Case limit (4,800 times its
    # engaged users per 24 h), so one post per Page is far inside it; the app-wide guard below
    # only paces a burst (Meta publishes no fixed app cap for Page tokens): set it to what the
    # app can take.
    limit_app_per_hour: int = Field(
        default=36_000, ge=1, validation_alias="AMPLIFIER_LIMIT_FACEBOOK_PAGES_APP_PER_HOUR"
    )
    limit_page_per_day: int = Field(
        default=4_800, ge=1, validation_alias="AMPLIFIER_LIMIT_FACEBOOK_PAGES_PAGE_PER_DAY"
    )
    limit_concurrency: int = Field(
        default=100, ge=1, validation_alias="AMPLIFIER_LIMIT_FACEBOOK_PAGES_CONCURRENCY"
    )

    @property
    def graph(self) -> str:
        return f"{self.graph_base.rstrip('/')}/{self.graph_version}"

    @property
    def dialog(self) -> str:
        return f"{self.dialog_base.rstrip('/')}/{self.graph_version}/dialog/oauth"
