"""The tables. The database row is the source of truth; a queue message is only a wake-up call.

Every timestamp is stored as UTC (`UTCDateTime` restores the time zone SQLite forgets), every
secret column holds Fernet ciphertext (see crypto.py) or a SHA-256 digest, never the plain value.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

from amplifier.timeutil import utcnow

# The largest id any table's INTEGER primary key can hold (32-bit on PostgreSQL): a larger number
# names no row, and PostgreSQL would refuse it in a query, so callers check against it first.
MAX_ID = 2**31 - 1


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _utc(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class CampaignStatus(StrEnum):
    OPEN = "open"  # taking pledges until the deadline
    ARMED = "armed"  # goal met at the deadline; waiting for the release timestamp
    FAILED = "failed"  # goal missed: nothing is ever posted
    RELEASING = "releasing"
    RELEASED = "released"
    CANCELLED = "cancelled"


class PledgeStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not yet claimed by any worker
    SENDING = "sending"  # claimed; the network call may be under way
    POSTED = "posted"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"  # the platform may or may not have posted it
    DELETED = "deleted"  # posted, then deleted by its supporter after the release (take_back.py)


class ReviewStatus(StrEnum):
    PENDING = "pending"  # waiting for an admin: not public, takes no pledges
    APPROVED = "approved"
    REJECTED = "rejected"  # the owner sees `review_reason`


class Owner(SQLModel, table=True):
    """Someone who schedules campaigns; an admin also reviews everyone's.

    Owners made by `amplifier owner create` have no email or password: they use API tokens only.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254, unique=True)  # stored lower-cased
    password_hash: str | None = Field(default=None, max_length=200)  # argon2id, never the password
    password_changed_at: datetime | None = _utc()
    is_admin: bool = False
    created_at: datetime = _created()
    email_verified_at: datetime | None = _utc()  # notices go only to a verified address
    pending_email: str | None = Field(default=None, max_length=254)  # a change not yet verified


class WebSession(SQLModel, table=True):
    """A logged-in browser. The cookie holds a random token; only its digest is stored here."""

    __tablename__ = "web_session"
    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="owner.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _created()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    last_seen_at: datetime | None = _utc()


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="owner.id", index=True)
    name: str = Field(max_length=200)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _created()
    last_used_at: datetime | None = _utc()
    revoked_at: datetime | None = _utc()


class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="owner.id", index=True)
    slug: str = Field(max_length=80, unique=True)
    title: str = Field(max_length=200)
    story: str = Field(max_length=10_000)
    message_text: str = Field(max_length=5_000)
    link: str | None = Field(default=None, max_length=2_000)
    goal: int
    platforms: str = Field(max_length=200)  # comma-separated platform names
    pledge_deadline: datetime = Field(sa_type=UTCDateTime, nullable=False)
    release_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    status: str = Field(default=CampaignStatus.OPEN, max_length=20, index=True)
    created_at: datetime = _created()
    judged_at: datetime | None = _utc()
    release_started_at: datetime | None = _utc()
    prepared_at: datetime | None = _utc()
    released_at: datetime | None = _utc()
    cancelled_at: datetime | None = _utc()
    lease_until: datetime | None = _utc()  # a worker releasing it renews this
    # moderation: public and pledgeable only once approved; a suspension holds the release
    review_status: str = Field(default=ReviewStatus.PENDING, max_length=20, index=True)
    review_reason: str | None = Field(default=None, max_length=2_000)
    reviewed_at: datetime | None = _utc()
    reviewed_by: int | None = Field(default=None, foreign_key="owner.id")
    suspended_at: datetime | None = _utc()
    suspension_reason: str | None = Field(default=None, max_length=2_000)
    # consent: the message's current version (MessageVersion keeps every one supporters saw)
    message_version: int = 1
    # personalisation: supporters may rewrite the text, keeping every required fragment
    personalisation_allowed: bool = False
    personal_required: str = Field(default="", max_length=1_000)  # one fragment per line
    personal_max_length: int | None = None
    # how supporters take part on each platform (platforms/posting.py), "name=mode,…"; a
    # platform missing here (campaigns made before modes existed) is posted automatically
    platform_modes: str = Field(default="", max_length=400)

    @property
    def platform_list(self) -> list[str]:
        return [p for p in self.platforms.split(",") if p]

    def post_text(self) -> str:
        """The exact text a supporter consents to and that is posted in their name."""
        return f"{self.message_text} {self.link}" if self.link else self.message_text


class MessageVersion(SQLModel, table=True):
    """Every version of a campaign's message a supporter may have consented to."""

    __tablename__ = "message_version"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "version", name="uq_message_version"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    version: int
    message_text: str = Field(max_length=5_000)
    link: str | None = Field(default=None, max_length=2_000)
    created_at: datetime = _created()


class Pledge(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint(
            "campaign_id", "platform", "instance_url", "account_id", name="uq_pledge_account"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    platform: str = Field(max_length=20)
    instance_url: str = Field(default="", max_length=300)  # "" where the platform has one host
    account_id: str = Field(max_length=100)
    handle: str = Field(max_length=300)
    display_name: str = Field(default="", max_length=300)
    profile_url: str = Field(default="", max_length=500)
    followers: int = 0
    post_text: str = Field(max_length=5_000)  # exactly what the supporter consented to
    consented_version: int = 1  # the campaign's message version that text belongs to
    consented_at: datetime | None = _utc()
    personalised: bool = False
    status: str = Field(default=PledgeStatus.ACTIVE, max_length=20)
    access_token_enc: str | None = None
    refresh_token_enc: str | None = None
    token_extras_enc: str | None = None  # TokenSet.extras as encrypted JSON (pledges/pledging.py)
    token_expires_at: datetime | None = _utc()
    token_scope: str | None = Field(default=None, max_length=300)
    created_at: datetime = _created()
    withdrawn_at: datetime | None = _utc()
    # optional, opt-in per kind (amplifier/notify/); cleared when the campaign is over
    email: str | None = Field(default=None, max_length=254)
    email_receipts: bool = False
    email_updates: bool = False
    # preflight (amplifier/notify/preflight.py): the last check of the connection found it dead
    connection_problem: str | None = Field(default=None, max_length=500)
    connection_checked_at: datetime | None = _utc()


class Delivery(SQLModel, table=True):
    """One row per pledge released; claimed by a conditional UPDATE before any network call."""

    __table_args__ = (sa.Index("ix_delivery_campaign_status", "campaign_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", unique=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    status: str = Field(default=DeliveryStatus.PENDING, max_length=20, index=True)
    attempts: int = 0
    claimed_at: datetime | None = _utc()  # renewed while a firer still holds the row
    claimed_by: str | None = Field(default=None, max_length=100)  # the firer holding the claim
    not_before: datetime | None = _utc()  # a retry waits for this (a platform's rate-limit reset)
    sent_at: datetime | None = _utc()
    finished_at: datetime | None = _utc()
    remote_id: str | None = Field(default=None, max_length=100)
    remote_url: str | None = Field(default=None, max_length=500)
    error: str | None = Field(default=None, max_length=2_000)
    retryable: bool = False
    # what the platform keeps for this post since preparation (staging.py): remote ids (JSON
    # list: media ids, a container) and until when they are usable; None when nothing is staged
    staged_ids: str | None = Field(default=None, max_length=2_000)
    staged_until: datetime | None = _utc()


class PreparePage(SQLModel, table=True):
    """A run of a campaign's delivery ids prepared by one worker at a time (release/pages.py).

    Claimed like a page of deliveries: a conditional UPDATE under a claim token, renewed while
    its preparer lives; a claim not renewed for the stale time is taken over by another one.
    """

    __tablename__ = "prepare_page"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    number: int  # 0, 1, …: the page's place in the campaign
    first_delivery_id: int
    last_delivery_id: int
    status: str = Field(default="pending", max_length=20)  # pending | preparing | done
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = _utc()  # renewed while its preparer is at work
    claims: int = 0  # how many times a preparer took it (more than 1: a take-over)
    done_at: datetime | None = _utc()


class MastodonApp(SQLModel, table=True):
    """Our OAuth client on one Mastodon instance, registered once and reused."""

    __tablename__ = "mastodon_app"
    id: int | None = Field(default=None, primary_key=True)
    instance_url: str = Field(max_length=300, unique=True)
    redirect_uri: str = Field(max_length=500)
    client_id: str = Field(max_length=200)
    client_secret_enc: str
    max_characters: int = 500
    characters_reserved_per_url: int = 23  # the server's own URL length (/api/v2/instance)
    domain: str | None = Field(default=None, max_length=253)  # its accounts' domain, if it said
    scopes: str | None = Field(default=None, max_length=500)  # registered with; None: unknown
    created_at: datetime = _created()


class OAuthAttempt(SQLModel, table=True):
    """A supporter's trip to a platform's consent screen and back, until they confirm or leave.

    `state` travels through the platform; `browser_hash` binds the attempt to the browser that
    started it (a cookie), so a callback or consent posted from elsewhere is refused.
    """

    __tablename__ = "oauth_attempt"
    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(max_length=100, unique=True)
    browser_hash: str = Field(max_length=64)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    platform: str = Field(max_length=20)
    instance_url: str = Field(default="", max_length=300)
    code_verifier_enc: str | None = None
    status: str = Field(default="started", max_length=20)  # started, authorized, consumed
    created_at: datetime = _created()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    account_id: str | None = Field(default=None, max_length=100)
    handle: str | None = Field(default=None, max_length=300)
    display_name: str | None = Field(default=None, max_length=300)
    profile_url: str | None = Field(default=None, max_length=500)
    followers: int | None = None
    access_token_enc: str | None = None
    refresh_token_enc: str | None = None
    token_extras_enc: str | None = None  # TokenSet.extras as encrypted JSON (pledges/pledging.py)
    token_expires_at: datetime | None = _utc()
    token_scope: str | None = Field(default=None, max_length=300)
    pledge_id: int | None = Field(default=None, foreign_key="pledge.id")


class MediaBlob(SQLModel, table=True):
    """Stored bytes (an owner's image) behind `media.store.DatabaseStore`: in the database by
    default, so that workers on other machines read the same bytes with no shared disk."""

    __tablename__ = "media_blob"
    key: str = Field(primary_key=True, max_length=100)
    data: bytes = Field(sa_type=sa.LargeBinary, nullable=False)
    created_at: datetime = _created()


class CampaignImage(SQLModel, table=True):
    """The image that goes with a campaign's message from `from_version` on (media/attach.py).

    A message version sees the row with the greatest `from_version` at or below it; a row with
    no `storage_key` says the image was removed from that version on."""

    __tablename__ = "campaign_image"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "from_version", name="uq_campaign_image"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    from_version: int
    storage_key: str | None = Field(default=None, max_length=100)
    media_type: str = Field(default="", max_length=40)
    width: int = 0
    height: int = 0
    byte_size: int = 0
    alt_text: str = Field(default="", max_length=1_500)
    created_at: datetime = _created()
