"""Pledging: the supporter's round trip through a platform's OAuth, consent, and withdrawal.

An `OAuthAttempt` carries one trip: created when the supporter picks a platform, authorized when
the platform sends them back with a code, consumed when they confirm the exact text. Each step is
checked against the browser that started it and against the clock, and the last step is a
conditional UPDATE, so a double-submitted consent form yields one pledge, not two.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select, update

from amplifier.campaigns.moderation import is_public, is_suspended
from amplifier.crypto import TokenCipher, hash_secret, new_secret, plausible_secret
from amplifier.errors import (
    AmplifierError,
    Conflict,
    Expired,
    Forbidden,
    InvalidInput,
    NotFound,
    Refused,
    Unavailable,
)
from amplifier.models import (
    Campaign,
    CampaignStatus,
    OAuthAttempt,
    Pledge,
    PledgeStatus,
)
from amplifier.platforms.base import PlatformAdapter, PlatformError
from amplifier.pledges.tokens import HoldsTokens as HoldsTokens
from amplifier.pledges.tokens import decrypt_extras as decrypt_extras
from amplifier.pledges.tokens import encrypt_extras as encrypt_extras
from amplifier.pledges.tokens import store_tokens as store_tokens
from amplifier.pledges.tokens import tokens_of as tokens_of


class PledgeRefused(AmplifierError):
    """A supporter's step refused: `title` is its headline in a few words, `message` says what to
    do, `kind` (one of `errors.KINDS`) what happened; web/errors.py turns the kind into a status.
    """

    def __init__(self, title: str, message: str, *, kind: type[AmplifierError] = Refused) -> None:
        super().__init__(message)
        self.title = title
        self.message = message
        self._kind = kind

    @property
    def kind(self) -> type[AmplifierError]:
        return self._kind


class AlreadyPledged(PledgeRefused):
    """The account already supports the campaign. `made_here`: this browser made that pledge
    (its sign-in is still on record), so the page may link the pledge's own page."""

    def __init__(self, handle: str, pledge_id: int, made_here: bool) -> None:
        where = (
            "Open it below to see, change or withdraw it."
            if made_here
            else "To see, change or withdraw that pledge, use the link in the confirmation mail "
            "or on the thank-you page you saw when you pledged."
        )
        words = f"{handle} already supports this campaign: one post per account. {where}"
        super().__init__("You have already pledged", words, kind=Conflict)
        self.pledge_id, self.made_here = pledge_id, made_here


def ensure_open(campaign: Campaign, now: datetime) -> None:
    if not is_public(campaign):  # answered as for an unknown address: no existence leak
        raise PledgeRefused(
            "No such campaign",
            "Check the link you were given: no campaign has that address.",
            kind=NotFound,
        )
    if is_suspended(campaign):
        raise PledgeRefused(
            "This campaign is suspended",
            f"“{campaign.title}” has been suspended by the site's moderators and takes no "
            "pledges for now. Nothing was recorded.",
            kind=Conflict,
        )
    if campaign.status != CampaignStatus.OPEN or campaign.pledge_deadline <= now:
        raise PledgeRefused(
            "Pledging has closed",
            f"“{campaign.title}” stopped taking pledges at its deadline "
            f"({campaign.pledge_deadline:%Y-%m-%d %H:%M} UTC). Nothing was recorded.",
            kind=Conflict,
        )


def start_attempt(
    session: Session,
    *,
    campaign: Campaign,
    platform: str,
    instance_url: str,
    adapter: PlatformAdapter,
    redirect_uri: str,
    browser_nonce: str,
    cipher: TokenCipher,
    now: datetime,
    ttl_s: int,
) -> str:
    """Record the trip and return the platform URL to send the browser to."""
    ensure_open(campaign, now)
    if platform not in campaign.platform_list:
        raise PledgeRefused("Platform not offered", f"This campaign does not post to {platform}.")
    problems = adapter.text_problems(campaign.post_text())
    if problems:
        raise PledgeRefused(
            "This message does not fit your account's platform",
            " ".join(problems),
            kind=InvalidInput,
        )
    state = new_secret(24)
    request = adapter.authorization_request(redirect_uri=redirect_uri, state=state)
    assert campaign.id is not None
    session.add(
        OAuthAttempt(
            state=state,
            browser_hash=hash_secret(browser_nonce),
            campaign_id=campaign.id,
            platform=platform,
            instance_url=instance_url,
            code_verifier_enc=cipher.encrypt_optional(request.code_verifier),
            expires_at=now + timedelta(seconds=ttl_s),
        )
    )
    session.flush()
    return request.url


def load_attempt(
    session: Session, *, state: str, browser_nonce: str | None, now: datetime
) -> OAuthAttempt:
    attempt = None
    if plausible_secret(state):  # else (non-ASCII, NUL, overlong…) no state of ours: unknown
        attempt = session.exec(select(OAuthAttempt).where(OAuthAttempt.state == state)).first()
    if attempt is None:
        raise PledgeRefused(
            "This sign-in link is not valid",
            "We have no record of this sign-in. Start again from the campaign page.",
        )
    if browser_nonce is None or hash_secret(browser_nonce) != attempt.browser_hash:
        raise PledgeRefused(
            "This sign-in started in another browser",
            "For your safety a pledge must be finished in the browser that started it. "
            "Start again from the campaign page.",
            kind=Forbidden,
        )
    if attempt.expires_at <= now:
        raise PledgeRefused(
            "This sign-in has expired",
            "It took too long between choosing a platform and confirming. Start again from the "
            "campaign page; nothing was recorded.",
            kind=Expired,
        )
    return attempt


def authorize_attempt(
    session: Session,
    *,
    attempt: OAuthAttempt,
    code: str,
    adapter: PlatformAdapter,
    redirect_uri: str,
    cipher: TokenCipher,
) -> OAuthAttempt:
    if attempt.status != "started":
        raise PledgeRefused(
            "This sign-in was already used",
            "The platform's answer can be used once. Start again from the campaign page.",
            kind=Conflict,
        )
    verifier = cipher.decrypt_optional(attempt.code_verifier_enc)
    try:
        tokens = adapter.exchange_code(code=code, redirect_uri=redirect_uri, code_verifier=verifier)
        profile = adapter.profile(tokens)
    except PlatformError as exc:
        raise PledgeRefused(
            "The platform did not let us connect your account",
            f"{exc.message} Nothing was recorded; you can start again from the campaign page.",
            kind=Unavailable if exc.retryable else Refused,
        ) from exc
    attempt.status = "authorized"
    attempt.code_verifier_enc = None
    attempt.account_id = profile.account_id
    attempt.handle = profile.handle
    attempt.display_name = profile.display_name
    attempt.profile_url = profile.profile_url
    attempt.followers = profile.followers
    attempt.access_token_enc = cipher.encrypt(tokens.access_token)
    attempt.refresh_token_enc = cipher.encrypt_optional(tokens.refresh_token)
    attempt.token_extras_enc = encrypt_extras(tokens.extras, cipher)
    attempt.token_expires_at = tokens.expires_at
    attempt.token_scope = tokens.scope
    session.add(attempt)
    session.flush()
    return attempt


def confirm_pledge(
    session: Session,
    *,
    attempt: OAuthAttempt,
    campaign: Campaign,
    now: datetime,
    text: str | None = None,
    version: int | None = None,
    personalised: bool = False,
) -> Pledge:
    """Turn an authorized attempt into the pledge; a second submission returns the same pledge.

    `text` and `version` are what the supporter was shown and agreed to (consent.py checks them
    against the campaign first); without them, the campaign's current text and version.
    """
    if attempt.status == "consumed" and attempt.pledge_id is not None:
        existing = session.get(Pledge, attempt.pledge_id)
        if existing is not None:
            return existing
    if attempt.status != "authorized":
        raise PledgeRefused(
            "Connect your account first",
            "The platform has not confirmed your account yet. Start again from the campaign page.",
            kind=Conflict,
        )
    ensure_open(campaign, now)
    won = session.execute(
        update(OAuthAttempt)
        .where(col(OAuthAttempt.id) == attempt.id, col(OAuthAttempt.status) == "authorized")
        .values(status="consuming")
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(attempt)
        if attempt.pledge_id is not None:
            pledge = session.get(Pledge, attempt.pledge_id)
            if pledge is not None:
                return pledge
        raise PledgeRefused("Already submitted", "This pledge is being recorded.", kind=Conflict)
    assert attempt.account_id is not None and attempt.access_token_enc is not None
    pledge = session.exec(
        select(Pledge).where(
            Pledge.campaign_id == campaign.id,
            Pledge.platform == attempt.platform,
            Pledge.instance_url == attempt.instance_url,
            Pledge.account_id == attempt.account_id,
        )
    ).first()
    if pledge is not None and pledge.status == PledgeStatus.ACTIVE:
        assert pledge.id is not None
        made_here = session.exec(  # the sign-in that made it, finished in this browser
            select(OAuthAttempt.id).where(
                OAuthAttempt.pledge_id == pledge.id,
                OAuthAttempt.browser_hash == attempt.browser_hash,
                OAuthAttempt.status == "consumed",
            )
        ).first()
        raise AlreadyPledged(pledge.handle, pledge.id, made_here is not None)
    if pledge is None:
        pledge = Pledge(
            campaign_id=attempt.campaign_id,
            platform=attempt.platform,
            instance_url=attempt.instance_url,
            account_id=attempt.account_id,
            handle=attempt.handle or "",
            post_text=text or campaign.post_text(),
        )
    pledge.status = PledgeStatus.ACTIVE
    pledge.handle = attempt.handle or pledge.handle
    pledge.display_name = attempt.display_name or ""
    pledge.profile_url = attempt.profile_url or ""
    pledge.followers = attempt.followers or 0
    pledge.post_text = text or campaign.post_text()
    pledge.consented_version = campaign.message_version if version is None else version
    pledge.consented_at = now
    pledge.personalised = personalised
    pledge.access_token_enc = attempt.access_token_enc
    pledge.refresh_token_enc = attempt.refresh_token_enc
    pledge.token_extras_enc = attempt.token_extras_enc
    pledge.token_expires_at = attempt.token_expires_at
    pledge.token_scope = attempt.token_scope
    pledge.withdrawn_at = None
    pledge.created_at = now
    session.add(pledge)
    session.flush()
    attempt.status = "consumed"
    attempt.pledge_id = pledge.id
    attempt.access_token_enc = None
    attempt.refresh_token_enc = None
    attempt.token_extras_enc = None
    session.add(attempt)
    session.flush()
    return pledge


def withdraw(session: Session, *, pledge: Pledge, campaign: Campaign, now: datetime) -> None:
    """Possible until the release starts; the tokens are deleted in the same transaction."""
    if pledge.status == PledgeStatus.WITHDRAWN:
        return
    if campaign.status not in (CampaignStatus.OPEN, CampaignStatus.ARMED):
        raise PledgeRefused(
            "Too late to withdraw",
            f"This campaign is {campaign.status}; your post can no longer be withdrawn here.",
            kind=Conflict,
        )
    pledge.status = PledgeStatus.WITHDRAWN
    pledge.withdrawn_at = now
    _drop_tokens(pledge)
    session.add(pledge)


# an OAuthAttempt's status while a supporter signs in to delete their post (take_back.py)
TAKING_BACK = "take_back"


def _drop_tokens(pledge: Pledge) -> None:
    pledge.access_token_enc = None
    pledge.refresh_token_enc = None
    pledge.token_extras_enc = None
    pledge.token_expires_at = None


def forget_tokens(session: Session, *, campaign_id: int) -> None:
    """Once a campaign can no longer post, nothing it holds may be used to post."""
    session.execute(
        update(Pledge)
        .where(col(Pledge.campaign_id) == campaign_id)
        .values(
            access_token_enc=None,
            refresh_token_enc=None,
            token_extras_enc=None,
            token_expires_at=None,
        )
    )
    # every sign-in under way goes too (one half-way through OAuth holds tokens), except a
    # supporter's sign-in to delete their post: it is for after the release, holds no token,
    # and may have started while the last posts were still going out
    session.execute(
        sa.delete(OAuthAttempt).where(
            col(OAuthAttempt.campaign_id) == campaign_id, col(OAuthAttempt.status) != TAKING_BACK
        )
    )


def purge_expired_attempts(session: Session, *, now: datetime) -> int:
    """Abandoned sign-ins hold tokens too: they go when their time is up."""
    result = session.execute(
        sa.delete(OAuthAttempt).where(
            col(OAuthAttempt.expires_at) <= now, col(OAuthAttempt.status) != "consumed"
        )
    )
    consumed = session.execute(
        sa.delete(OAuthAttempt).where(
            col(OAuthAttempt.expires_at) <= now - timedelta(days=1),
            col(OAuthAttempt.status) == "consumed",
        )
    )
    return int(result.rowcount or 0) + int(consumed.rowcount or 0)  # type: ignore[attr-defined]
