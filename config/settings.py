"""One validated settings object for every amplifier process (web, worker, beat, CLI).

Every value comes from an `AMPLIFIER_*` environment variable (or a `.env` file), so the web
process, the Celery worker and beat started by `amplifier up` or a Procfile runner all see the
same configuration. Development generates its keys into the data directory; production refuses
to start without real ones, so a default secret can never reach a live deployment.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from amplifier.platforms.registry import PLATFORMS


class SettingsError(RuntimeError):
    """The configuration cannot work; the message says which variable to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AMPLIFIER_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Field(default=Path(".amplifier"))
    database_url: str | None = None
    redis_url: str | None = None

    public_url: str = "http://127.0.0.1:8000"
    web_host: str = "127.0.0.1"
    web_port: int = 8000

    token_keys: str | None = None
    signing_key: str | None = None

    # Each platform's own settings (`AMPLIFIER_<NAME>_*`, e.g. AMPLIFIER_X_CLIENT_ID), one
    # sub-model per registered platform (amplifier/platforms/<name>/settings.py); read them with
    # `platform(name)` or the declaration's `settings_of`.
    platforms: dict[str, BaseSettings] = Field(default_factory=dict)

    # Total seconds for any one platform call: connecting and reading the whole answer.
    platform_timeout_s: float = Field(default=10.0, gt=0)
    # Outgoing platform calls the web app makes at once while visitors wait (pledge starts,
    # OAuth callbacks); more answer 503 "try again". Keep it well below the web app's 40
    # worker threads, so a slow platform server can never hold every page.
    web_platform_calls: int = Field(default=10, ge=1, le=30)
    release_tick_s: float = 1.0
    release_concurrency: int = 500  # posts in flight at once in one firer
    release_lease_s: float = 30.0  # a releasing campaign whose firers all stopped is re-fired
    release_prepare_lead_s: float = 60.0  # tokens refreshed and rows made this long before T
    release_fire_tasks: int = 2  # firer tasks queued per campaign (one per worker slot to use)
    release_page_size: int = 500  # rows one firer claims at a time
    # Preparation in pages (release/pages.py): rows per page, and preparer tasks queued per
    # campaign (each prepares pages until none is left; one per worker slot to use).
    release_prepare_page_size: int = Field(default=500, ge=1)
    release_prepare_tasks: int = Field(default=2, ge=1)
    # A claim not renewed this long belongs to a firer that stopped: its rows are settled (an
    # idempotent resend, or a look-up first), never resent blindly. Live firers renew every
    # second or so, so a dead worker's rows are picked up within seconds.
    release_stale_s: float = 10.0
    # Transient failures and unknown outcomes are retried with backoff (1 s doubling to 30 s)
    # for this long after a row's first send before it is reported failed or unconfirmed.
    release_retry_window_s: float = 300.0
    oauth_attempt_ttl_s: int = 900
    log_level: str = "INFO"
    # "json": one JSON object per log line, with the campaign and delivery ids where known
    # (amplifier/logging_setup.py); anything else: plain text lines.
    log_format: str = "text"
    # Web processes `amplifier web` starts (uvicorn workers; the Procfile's web line reads it).
    web_workers: int = Field(default=1, ge=1, le=64)
    # How long the public campaign page and its counts may be old, in seconds (web/page_cache.py).
    web_page_cache_s: float = Field(default=1.0, ge=0, le=60)
    # Bearer token that opens GET /metrics (Prometheus); empty: the endpoint answers 404.
    metrics_token: str = ""

    # Per-platform limits shared by every worker through Redis (amplifier/release/limits/) are each
    # platform's settings (AMPLIFIER_LIMIT_<NAME>_*), read by `limits.policy_for`.
    # A worker killed with `kill -9` while holding concurrency places gives them back after
    # this many seconds; live holders renew at a third of it. Longer than any platform call.
    limit_lease_s: float = 30.0

    # --- Web hardening (amplifier/web/security/) -------------------------------------------
    # Largest form body a supporter page accepts, in bytes; larger answers 413. Our forms send
    # a few hundred bytes, so 64 KiB only stops abuse.
    web_max_form_bytes: int = Field(default=65_536, ge=1024)
    # Largest JSON body the owner API accepts, in bytes; larger answers 413. A campaign at every
    # field's max_length, JSON-escaped as \uXXXX (what Python's json.dumps sends), is ~210 KB.
    web_max_api_bytes: int = Field(default=262_144, ge=1024)
    # Pledge starts (POST /c/{slug}/pledge) per client address per minute, shared by every web
    # process through Redis: a burst of this many, then one every 60/N seconds. Each start makes
    # an OAuth attempt row and, for a new Mastodon server, an app registration there.
    rate_pledge_start_per_min: int = Field(default=20, ge=1)
    # Consent confirmations (POST /pledge/confirm) per client address per minute.
    rate_pledge_confirm_per_min: int = Field(default=20, ge=1)
    # Owner API writes (POST/PUT/PATCH/DELETE under /api) per client address per minute.
    rate_api_write_per_min: int = Field(default=30, ge=1)
    # Login attempts (POST /login) per client address per minute: slows password guessing.
    rate_login_per_min: int = Field(default=10, ge=1)
    # Owner sign-ups (POST /signup) per client address per minute.
    rate_signup_per_min: int = Field(default=5, ge=1)
    # How long an owner's login lasts without logging in again, in seconds (default 14 days).
    web_session_ttl_s: int = Field(default=14 * 24 * 3600, ge=60)

    # --- Image storage (amplifier/media/store.py) -------------------------------------------
    # Where campaign images' bytes live: "database" (the default: every worker reads the same
    # bytes, no second service), or an S3-compatible bucket, "s3://bucket/prefix" (needs the
    # `s3` extra: pip install "amplifier[s3]"). The other fields reach the bucket; unset ones
    # fall back to boto3's own (AWS_* variables, ~/.aws).
    media_store: str = "database"
    media_s3_endpoint_url: str | None = None  # e.g. http://127.0.0.1:9000 (MinIO); None: AWS
    media_s3_region: str | None = None
    media_s3_access_key_id: str | None = None
    media_s3_secret_access_key: SecretStr | None = None
    media_s3_timeout_s: float = Field(default=10.0, gt=0)  # connect and read, per call

    @field_validator("media_store")
    @classmethod
    def _media_store_known(cls, value: str) -> str:
        if value == "database" or (value.startswith("s3://") and value[5:].strip("/")):
            return value
        raise ValueError(
            'AMPLIFIER_MEDIA_STORE must be "database" or "s3://bucket/prefix", not ' + repr(value)
        )

    # --- Moderation (amplifier/campaigns/moderation.py) -------------------------------------
    # New campaigns are public only once an admin approves them. A private deployment whose
    # owners are all trusted may approve every new campaign at creation instead.
    moderation_auto_approve: bool = False

    # --- Mail (amplifier/notify/) ------------------------------------------------------------
    # Where mail leaves: smtp://host:25 (plain, loopback only in production),
    # smtp+starttls://user:pass@host:587 (STARTTLS required) or smtps://user:pass@host:465
    # (implicit TLS). Unset: development and tests keep every mail in <data dir>/mailbox, listed
    # at /dev/mailbox; production keeps mail queued in the outbox and logs a warning.
    smtp_url: str | None = None
    # The From: of every mail, e.g. "Our campaigns <campaigns@example.org>".
    mail_from: str = "amplifier <amplifier@localhost>"
    # How often beat wakes the mail task (seconds): the outbox is the truth, this is the wake-up.
    mail_tick_s: float = Field(default=5.0, gt=0)
    # At most this many mails to one address per hour; more wait (never dropped).
    mail_per_recipient_per_hour: int = Field(default=10, ge=1)
    # A temporary SMTP failure is retried after this many seconds, doubling up to 1 h.
    mail_retry_s: float = Field(default=30.0, gt=0)
    # A mail claimed by a worker that died is handed out again after this many seconds.
    mail_stale_s: float = Field(default=120.0, gt=0)
    # Sent (and failed) outbox rows, with their addresses, are deleted after this many days.
    mail_keep_days: int = Field(default=30, ge=1)
    # Lifetime of an address-verification link and of a password-reset link (seconds).
    mail_verify_ttl_s: int = Field(default=48 * 3600, ge=60)
    mail_reset_ttl_s: int = Field(default=3600, ge=60)
    # Owners' updates reach each supporter at most once per this many seconds per campaign.
    mail_digest_interval_s: int = Field(default=24 * 3600, ge=60)
    # Preflight: armed pledges' connections are checked this long before T (and at preparation).
    preflight_lead_s: int = Field(default=24 * 3600, ge=0)
    # How often beat wakes the preflight (seconds); each run checks what is due and stops.
    preflight_tick_s: float = Field(default=30.0, gt=0)

    # Reverse proxies whose X-Forwarded-For is believed, comma-separated addresses or networks
    # (e.g. "127.0.0.1,10.0.0.0/8"). Empty: the client address is the TCP peer's and the header
    # is ignored, since anyone can send it. Behind a proxy, set this or every supporter shares
    # the proxy's address (and its rate limits).
    web_trusted_proxies: str = ""
    # Client addresses or networks never rate-limited, comma-separated. Unset: loopback in
    # development (the demo's scripted supporters all come from 127.0.0.1), none otherwise;
    # "" exempts nothing anywhere.
    web_rate_limit_exempt: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _platform_sub_models(cls, data: Any) -> Any:
        """Every registered platform gets its sub-model, read from its own environment
        variables; keyword arguments in the flat spelling (`x_client_id=…`,
        `limit_mastodon_per_s=…`) go to the platform's sub-model as well."""
        if not isinstance(data, dict):
            return data
        given = dict(data.get("platforms") or {})
        for name, declaration in PLATFORMS.items():
            if name in given:
                continue
            fields: dict[str, Any] = {}
            for key in list(data):
                if key.startswith(f"{name}_"):
                    fields[key[len(name) + 1 :]] = data.pop(key)
                elif key.startswith(f"limit_{name}_"):
                    fields["limit_" + key[len(name) + 7 :]] = data.pop(key)
            given[name] = declaration.settings_model(**fields)
        return {**data, "platforms": given}

    @model_validator(mode="after")
    def _production_needs_real_keys(self) -> Settings:
        if self.env == "production":
            missing = [
                name
                for name, value in (
                    ("AMPLIFIER_TOKEN_KEYS", self.token_keys),
                    ("AMPLIFIER_SIGNING_KEY", self.signing_key),
                    ("AMPLIFIER_DATABASE_URL", self.database_url),
                    ("AMPLIFIER_REDIS_URL", self.redis_url),
                )
                if not value
            ]
            if missing:
                raise SettingsError(
                    "production mode needs " + ", ".join(missing) + " to be set "
                    "(generate keys with `amplifier keys generate`)"
                )
            if not self.public_url.startswith("https://"):
                raise SettingsError("production mode needs AMPLIFIER_PUBLIC_URL to be https://…")
            if self.smtp_url and _plain_smtp_off_loopback(self.smtp_url):
                raise SettingsError(
                    "AMPLIFIER_SMTP_URL: smtp:// sends passwords and mail in clear; use "
                    "smtp+starttls:// or smtps:// in production (plain smtp:// only to localhost)"
                )
            for declaration in PLATFORMS.values():
                problem = declaration.production_problem(self.platform(declaration.name))
                if problem:
                    raise SettingsError(problem)
        return self

    def platform(self, name: str) -> BaseSettings:
        """The settings sub-model of the platform registered as `name` (KeyError if none)."""
        return self.platforms[name]

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'amplifier.sqlite3').resolve()}"

    def fernet_keys(self) -> list[bytes]:
        """Token-encryption keys, newest first: the first encrypts, all of them decrypt."""
        raw = self.token_keys or _dev_keys(self.data_dir)["token_keys"]
        return [k.strip().encode() for k in raw.split(",") if k.strip()]

    def signing_secret(self) -> bytes:
        raw = self.signing_key or _dev_keys(self.data_dir)["signing_key"]
        return raw.encode()


def _plain_smtp_off_loopback(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme == "smtp" and parts.hostname not in ("127.0.0.1", "::1", "localhost")


def _dev_keys(data_dir: Path) -> dict[str, str]:
    """Keys for development only, made on first use and kept in a git-ignored file (mode 0600)."""
    path = data_dir / "dev-keys.json"
    if path.exists():
        loaded: dict[str, str] = json.loads(path.read_text())
        return loaded
    data_dir.mkdir(parents=True, exist_ok=True)
    keys = {
        "token_keys": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "signing_key": secrets.token_urlsafe(32),
    }
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(keys, fh)
    try:
        os.link(tmp, path)  # first writer wins when several processes start at once
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    winner: dict[str, str] = json.loads(path.read_text())
    return winner


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
