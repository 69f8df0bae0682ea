"""Reconnecting a pledge: the same OAuth round trip as pledging, ending in new tokens only.

    start_reconnect(session, pledge=, campaign=, adapter=, …) -> the platform URL   manage link
    finish_reconnect(session, attempt=, code=, adapter=, …) -> Pledge               callback

When the preflight (notify/preflight.py) finds a supporter's connection dead, their mail and
their manage page link to `/p/{id}/{signature}/reconnect`. That starts an `OAuthAttempt` for the
pledge's own platform and server, bound to the browser like a pledge's (status `reconnect`,
`pledge_id` set from the start). On the way back the account must be the one pledged: another
account is refused and its tokens are never stored. Then only the tokens are replaced
(encrypted as `store_tokens` does) and `connection_problem` is cleared; the pledge, its consent
and its text stay as they are. Possible while the campaign is open or armed, i.e. until the
release is prepared (T - prepare lead).

Errors: `PledgeRefused` (headline, message and kind), as for pledging.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from amplifier.crypto import TokenCipher
from amplifier.errors import Conflict, Refused, Unavailable
from amplifier.models import Campaign, CampaignStatus, OAuthAttempt, Pledge, PledgeStatus
from amplifier.platforms.base import AccountChooser, PlatformAdapter, PlatformError
from amplifier.pledges.pledging import PledgeRefused, store_tokens
from amplifier.pledges.round_trip import consume_trip, record_trip

RECONNECTING = "reconnect"  # an OAuthAttempt's status while a reconnection is under way
_OPEN = (CampaignStatus.OPEN, CampaignStatus.ARMED)


def ensure_reconnectable(pledge: Pledge, campaign: Campaign) -> None:
    """Refuse, in words, a reconnection that could no longer change anything."""
    if pledge.status != PledgeStatus.ACTIVE:
        raise PledgeRefused(
            "This pledge is withdrawn",
            "Nothing will be posted from this account, so there is nothing to reconnect.",
            kind=Conflict,
        )
    if campaign.status not in _OPEN:
        raise PledgeRefused(
            "Too late to reconnect",
            f"“{campaign.title}” is {campaign.status}: its posts are already prepared or the "
            "campaign is over, so a new connection could not be used.",
            kind=Conflict,
        )


def start_reconnect(
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
    """Record the trip for this pledge and return the platform URL to send the browser to."""
    ensure_reconnectable(pledge, campaign)
    return record_trip(
        session,
        pledge=pledge,
        status=RECONNECTING,
        adapter=adapter,
        redirect_uri=redirect_uri,
        browser_nonce=browser_nonce,
        cipher=cipher,
        now=now,
        ttl_s=ttl_s,
    )


def finish_reconnect(
    session: Session,
    *,
    attempt: OAuthAttempt,
    pledge: Pledge,
    campaign: Campaign,
    code: str,
    adapter: PlatformAdapter,
    redirect_uri: str,
    cipher: TokenCipher,
    now: datetime,
    chooser: AccountChooser | None = None,
) -> Pledge:
    """Exchange the code; if the account is the pledged one, its new tokens replace the old.

    With a `chooser` (a platform whose token reaches several accounts: account_choice.py) the
    pledged account is chosen again by its id, and must still be reachable."""
    verifier = consume_trip(
        session,
        attempt=attempt,
        status=RECONNECTING,
        cipher=cipher,
        again="Open your pledge's link and reconnect again if it still says so.",
    )
    ensure_reconnectable(pledge, campaign)
    try:
        tokens = adapter.exchange_code(code=code, redirect_uri=redirect_uri, code_verifier=verifier)
        profile = adapter.profile(tokens)
        if chooser is not None:
            chosen = chooser.choose_account(tokens, pledge.account_id)
            tokens, profile = chosen.tokens, chosen.profile
    except LookupError as exc:
        raise PledgeRefused(
            "That account can no longer post",
            f"You signed in as {profile.handle}, but it no longer reaches {pledge.handle}, the "
            "account you pledged with. Sign in as someone who can post there and try again; "
            "your pledge is unchanged.",
            kind=Conflict,
        ) from exc
    except PlatformError as exc:
        raise PledgeRefused(
            "The platform did not let us reconnect your account",
            f"{exc.message} Your pledge is unchanged; you can try again from its link.",
            kind=Unavailable if exc.retryable else Refused,
        ) from exc
    if profile.account_id != pledge.account_id:
        raise PledgeRefused(
            "That is not the account you pledged with",
            f"You signed in as {profile.handle}, but this pledge was made with {pledge.handle}. "
            f"Sign in to the platform as {pledge.handle} and try again; your pledge is "
            "unchanged and nothing of the other account was kept.",
            kind=Conflict,
        )
    store_tokens(pledge, tokens, cipher)
    pledge.connection_problem = None
    pledge.connection_checked_at = now
    session.add(pledge)
    session.flush()
    return pledge
