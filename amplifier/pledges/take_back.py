"""A supporter takes their post back after the release: it is deleted on the platform.

    ensure_deletable(pledge, campaign, delivery)                         what may be deleted
    start_take_back(session, pledge=, campaign=, adapter=, …) -> URL     manage link
    finish_take_back(session, attempt=, code=, adapter=, …) -> Delivery  the OAuth callback

Every connection is deleted when a release ends, so deleting needs the supporter's say-so once
more: the same OAuth round trip as pledging (an `OAuthAttempt` with status `take_back`, bound to
the browser, `pledge_id` set), back through the callback. The account that signs in must be the
pledged one; its tokens are used for the one deletion and never stored. Only a platform whose
declaration says `deletes_posts` offers it (X and Mastodon: `Declaration.deleter`). The row then
reads `deleted` (a conditional UPDATE from `posted`, so two clicks delete once) and the report
says so; a post the platform no longer has counts as deleted.

Errors: `PledgeRefused` (title and message for the page).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select, update

from amplifier.crypto import TokenCipher
from amplifier.errors import Conflict, Refused, Unavailable
from amplifier.models import Campaign, Delivery, DeliveryStatus, OAuthAttempt, Pledge
from amplifier.platforms.base import PlatformAdapter, PlatformError
from amplifier.platforms.registry import declaration
from amplifier.pledges.pledging import TAKING_BACK as TAKING_BACK
from amplifier.pledges.pledging import PledgeRefused
from amplifier.pledges.round_trip import consume_trip, record_trip


def posted_delivery(session: Session, pledge: Pledge) -> Delivery | None:
    return session.exec(select(Delivery).where(Delivery.pledge_id == pledge.id)).first()


def can_take_back(pledge: Pledge, delivery: Delivery | None) -> bool:
    """Whether the manage page offers to delete the post."""
    return (
        delivery is not None
        and delivery.status == DeliveryStatus.POSTED
        and bool(delivery.remote_id)
        and declaration(pledge.platform).deletes_posts
    )


def ensure_deletable(pledge: Pledge, delivery: Delivery | None) -> Delivery:
    """The posted row, or a refusal in words."""
    if delivery is not None and delivery.status == DeliveryStatus.DELETED:
        raise PledgeRefused(
            "Your post is already deleted", "There is nothing left to delete.", kind=Conflict
        )
    if delivery is None or not can_take_back(pledge, delivery):
        raise PledgeRefused(
            "There is no post to delete",
            "Only a post that went out can be deleted, on a platform that lets us do it.",
            kind=Conflict,
        )
    return delivery


def start_take_back(
    session: Session,
    *,
    pledge: Pledge,
    campaign: Campaign,
    adapter: PlatformAdapter,
    redirect_uri: str,
    browser_nonce: str,
    cipher: TokenCipher,
    now: datetime,
    ttl_s: int,
) -> str:
    """Record the sign-in for this deletion and return the platform URL to send the browser to."""
    ensure_deletable(pledge, posted_delivery(session, pledge))
    return record_trip(
        session,
        pledge=pledge,
        status=TAKING_BACK,
        adapter=adapter,
        redirect_uri=redirect_uri,
        browser_nonce=browser_nonce,
        cipher=cipher,
        now=now,
        ttl_s=ttl_s,
    )


def finish_take_back(
    session: Session,
    *,
    attempt: OAuthAttempt,
    pledge: Pledge,
    code: str,
    adapter: PlatformAdapter,
    redirect_uri: str,
    cipher: TokenCipher,
    now: datetime,
) -> Delivery:
    """Exchange the code; if the account is the pledged one, delete its post and say so."""
    verifier = consume_trip(
        session,
        attempt=attempt,
        status=TAKING_BACK,
        cipher=cipher,
        again="Open your pledge's link and try again.",
    )
    delivery = ensure_deletable(pledge, posted_delivery(session, pledge))
    deleter = declaration(pledge.platform).deleter(adapter)
    assert deleter is not None and delivery.remote_id is not None  # ensure_deletable
    try:
        tokens = adapter.exchange_code(code=code, redirect_uri=redirect_uri, code_verifier=verifier)
        profile = adapter.profile(tokens)
        if profile.account_id != pledge.account_id:
            raise PledgeRefused(
                "That is not the account you pledged with",
                f"You signed in as {profile.handle}, but the post was made by {pledge.handle}. "
                f"Sign in to the platform as {pledge.handle} and try again; nothing was "
                "deleted and nothing of the other account was kept.",
                kind=Conflict,
            )
        deleter.delete_post(tokens, delivery.remote_id)
    except PlatformError as exc:
        raise PledgeRefused(
            "The platform did not delete your post",
            f"{exc.message} Your post is still there; you can try again from your pledge's "
            "link, or delete it on the platform yourself.",
            kind=Unavailable if exc.retryable else Refused,
        ) from exc
    session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery.id, col(Delivery.status) == DeliveryStatus.POSTED)
        .values(
            status=DeliveryStatus.DELETED,
            error=f"deleted by its supporter at {now:%Y-%m-%d %H:%M} UTC",
        )
    )
    session.refresh(delivery)
    return delivery
