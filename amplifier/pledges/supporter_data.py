"""What amplifier holds about one pledge, shown to its supporter, and its deletion.

Reached only through the pledge's signed manage link (pages.py). Deleting:

- withdraws the pledge if that is still possible (before the release starts: `pledges.withdraw`),
  so nothing is posted;
- deletes the OAuth tokens at once, whatever the campaign's state, and every sign-in record
  (`oauth_attempt`) that led to the pledge or is under way for the same account and campaign;
- erases the personal fields of the pledge: handle → "deleted supporter", display name, profile
  URL → empty, follower count → 0, platform account id → "deleted:<pledge id>".

What stays: the pledge row itself (campaign, platform, Mastodon server, the consented text, which
is the campaign's, status, created and withdrawn times), so the manage link keeps answering and
the campaign's counts stay consistent. If the post was already released, its outcome stays too
(the delivery row: status, the post's link and id on the platform, the error, the times): the
owner's report keeps the line, under "deleted supporter" and with a reach of 0. The post itself is
on the platform, in the supporter's account; only they or the platform can delete it there.

A post being released at the moment of the deletion can still go out if a firer had already
claimed it; a post not yet claimed fails for want of a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from amplifier.links import web_link
from amplifier.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    OAuthAttempt,
    Pledge,
    PledgeStatus,
)
from amplifier.notify.receipts import forget_address
from amplifier.pledges.pledging import withdraw

ERASED_HANDLE = "deleted supporter"
ERASED_ACCOUNT_PREFIX = "deleted:"


def is_erased(pledge: Pledge) -> bool:
    return pledge.account_id.startswith(ERASED_ACCOUNT_PREFIX)


@dataclass(frozen=True)
class PostOutcome:
    status: str  # pending, sending, posted, failed, unconfirmed
    url: str | None
    remote_id: str | None
    error: str | None
    sent_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class SupporterData:
    """Every field held about the pledge, except the tokens' values (only whether they exist)."""

    pledge_id: int
    campaign_title: str
    campaign_slug: str
    campaign_status: str
    platform: str
    instance_url: str
    account_id: str
    handle: str
    display_name: str
    profile_url: str
    followers: int
    post_text: str
    status: str
    created_at: datetime
    withdrawn_at: datetime | None
    access_token_held: bool
    refresh_token_held: bool
    token_expires_at: datetime | None
    token_scope: str | None
    sign_in_records: int  # oauth_attempt rows tied to the pledge (purged a day after they expire)
    outcome: PostOutcome | None
    erased: bool
    email: str | None = None  # optional; deleted when the campaign is over (notify/receipts.py)
    email_receipts: bool = False
    email_updates: bool = False

    @property
    def token_held(self) -> bool:
        return self.access_token_held or self.refresh_token_held


def _attempts_of(pledge: Pledge) -> sa.ColumnElement[bool]:
    """Sign-in records of this pledge: the one that made it, and any under way for its account."""
    same_account = sa.and_(
        col(OAuthAttempt.campaign_id) == pledge.campaign_id,
        col(OAuthAttempt.platform) == pledge.platform,
        col(OAuthAttempt.instance_url) == pledge.instance_url,
        col(OAuthAttempt.account_id) == pledge.account_id,
    )
    return sa.or_(col(OAuthAttempt.pledge_id) == pledge.id, same_account)


def describe(session: Session, pledge: Pledge) -> SupporterData:
    assert pledge.id is not None
    campaign = session.get(Campaign, pledge.campaign_id)
    assert campaign is not None  # a foreign key
    delivery = session.exec(select(Delivery).where(Delivery.pledge_id == pledge.id)).first()
    attempts = session.execute(
        sa.select(sa.func.count()).select_from(OAuthAttempt).where(_attempts_of(pledge))
    ).scalar_one()
    outcome = None
    if delivery is not None:
        outcome = PostOutcome(
            status=delivery.status,
            url=web_link(delivery.remote_url),
            remote_id=delivery.remote_id,
            error=delivery.error,
            sent_at=delivery.sent_at,
            finished_at=delivery.finished_at,
        )
    return SupporterData(
        pledge_id=pledge.id,
        campaign_title=campaign.title,
        campaign_slug=campaign.slug,
        campaign_status=campaign.status,
        platform=pledge.platform,
        instance_url=pledge.instance_url,
        account_id=pledge.account_id,
        handle=pledge.handle,
        display_name=pledge.display_name,
        profile_url=web_link(pledge.profile_url) or "",
        followers=pledge.followers,
        post_text=pledge.post_text,
        status=pledge.status,
        created_at=pledge.created_at,
        withdrawn_at=pledge.withdrawn_at,
        access_token_held=pledge.access_token_enc is not None,
        refresh_token_held=pledge.refresh_token_enc is not None,
        token_expires_at=pledge.token_expires_at,
        token_scope=pledge.token_scope,
        sign_in_records=int(attempts),
        outcome=outcome,
        erased=is_erased(pledge),
        email=pledge.email,
        email_receipts=pledge.email_receipts,
        email_updates=pledge.email_updates,
    )


@dataclass(frozen=True)
class Deletion:
    withdrawn: bool  # the pledge was withdrawn by this deletion (nothing will be posted)
    outcome_kept: bool  # a released post's outcome stays for the owner's report
    sign_in_records_deleted: int


def delete_supporter_data(
    session: Session, *, pledge: Pledge, campaign: Campaign, now: datetime
) -> Deletion:
    """Withdraw if still possible, delete the tokens, erase the personal fields (see module doc).

    Idempotent: deleting again changes nothing more.
    """
    assert pledge.id is not None
    withdrawn = False
    if pledge.status == PledgeStatus.ACTIVE and campaign.status in (
        CampaignStatus.OPEN,
        CampaignStatus.ARMED,
    ):
        withdraw(session, pledge=pledge, campaign=campaign, now=now)
        withdrawn = True
    gone = session.execute(sa.delete(OAuthAttempt).where(_attempts_of(pledge)))
    pledge.access_token_enc = None
    pledge.refresh_token_enc = None
    pledge.token_extras_enc = None
    pledge.token_expires_at = None
    pledge.token_scope = None
    pledge.handle = ERASED_HANDLE
    pledge.display_name = ""
    pledge.profile_url = ""
    pledge.followers = 0
    forget_address(session, pledge.id)  # the address, and mails queued to it
    pledge.email = None
    pledge.account_id = f"{ERASED_ACCOUNT_PREFIX}{pledge.id}"
    session.add(pledge)
    session.flush()
    delivery = session.exec(select(Delivery.id).where(Delivery.pledge_id == pledge.id)).first()
    return Deletion(
        withdrawn=withdrawn,
        outcome_kept=delivery is not None,
        sign_in_records_deleted=int(gone.rowcount or 0),  # type: ignore[attr-defined]
    )
