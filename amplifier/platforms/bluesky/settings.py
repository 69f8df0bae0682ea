"""Bluesky's settings: `AMPLIFIER_BLUESKY_*`, and the release limits under their documented
names (`AMPLIFIER_LIMIT_BLUESKY_*`). See x/settings.py for why a sub-model."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class BlueskySettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AMPLIFIER_BLUESKY_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # Our confidential client's ES256 private key, as a JWK (JSON, with a "kid"): it signs the
    # client assertions (private_key_jwt); its public half is served at our JWKS URL. Unset in
    # development: one is generated into the data directory. Unset in production: Bluesky is
    # not offered.
    client_key: str | None = None
    client_name: str = "amplifier"
    # Where handles are resolved when set: an XRPC service answering
    # com.atproto.identity.resolveHandle (the sandbox). Unset: DNS TXT _atproto.<handle>, then
    # https://<handle>/.well-known/atproto-did, as the handle specification says.
    handle_resolver: str | None = None
    # The did:plc directory (https://web.plc.directory/).
    plc_directory: str = "https://plc.directory"
    # http:// hosts and loopback/private addresses (the sandbox); lifts the SSRF guard.
    allow_http: bool = False
    # Read from the app's own variables: development makes a key; production needs one.
    env: str = Field(default="development", validation_alias="AMPLIFIER_ENV")
    data_dir: Path = Field(default=Path(".amplifier"), validation_alias="AMPLIFIER_DATA_DIR")

    # Bluesky's PDS allows every client address 3,000 requests per 5 minutes (docs.bsky.app,
    # "Rate Limits"); our posts to one PDS host stay under this many per 5 minutes, leaving room
    # for the refreshes and profile reads of the same address.
    limit_per_5_min: int = Field(
        default=2_700, ge=1, le=3_000, validation_alias="AMPLIFIER_LIMIT_BLUESKY_PER_5_MIN"
    )
    limit_concurrency: int = Field(
        default=50, ge=1, validation_alias="AMPLIFIER_LIMIT_BLUESKY_CONCURRENCY"
    )
    # The web app whose addresses the report links to (the sandbox serves the same paths).
    web_base: str = "https://bsky.app"
