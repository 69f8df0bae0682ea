"""The step after OAuth where a supporter picks which account posts (a Facebook Page, a blog).

Why: on some platforms the token a supporter grants is a person's, and what posts is one of the
accounts it reaches. The declaration says so (`ConnectStep.chooses_account`) and gives an
`AccountChooser`; the pledge then belongs to the chosen account: its id, name, followers and
token replace the person's on the attempt, so the person's token is never stored on a pledge.

An attempt goes `started` → `authorized` (the code exchanged, pledges.authorize_attempt) →
`choosing` (the list shown) → `authorized` again, now for the chosen account (consent may follow)
→ `consumed`. The choice is asked of the platform again when it is made: the list shown may be
stale, and an account that can no longer be reached is refused with the reason.
"""

from __future__ import annotations

from sqlmodel import Session

from amplifier.crypto import TokenCipher
from amplifier.models import OAuthAttempt
from amplifier.platforms.base import Account, AccountChooser, PlatformError, TokenSet
from amplifier.pledges import PledgeRefused, decrypt_extras, encrypt_extras

CHOOSING = "choosing"  # an OAuthAttempt's status while its accounts are shown
# At most this many accounts are listed: more is no platform's answer for one person.
MAX_ACCOUNTS = 200


class NoAccount(PledgeRefused):
    """The token reaches no account the supporter could post as."""


def _tokens(attempt: OAuthAttempt, cipher: TokenCipher) -> TokenSet:
    if attempt.access_token_enc is None:
        raise PledgeRefused(
            "This sign-in was already used",
            "Start again from the campaign page; nothing was recorded.",
            status=409,
        )
    return TokenSet(
        access_token=cipher.decrypt(attempt.access_token_enc),
        refresh_token=cipher.decrypt_optional(attempt.refresh_token_enc),
        expires_at=attempt.token_expires_at,
        scope=attempt.token_scope,
        extras=decrypt_extras(attempt.token_extras_enc, cipher),
    )


def _platform_refused(exc: PlatformError) -> PledgeRefused:
    return PledgeRefused(
        "The platform did not show us your accounts",
        f"{exc.message} Nothing was recorded; you can start again from the campaign page.",
        status=502 if exc.retryable else 400,
    )


def accounts_to_choose(
    session: Session,
    *,
    attempt: OAuthAttempt,
    chooser: AccountChooser,
    cipher: TokenCipher,
    noun: str,
    no_account: str,
) -> list[Account]:
    """The accounts the attempt's token reaches; the attempt now waits for a choice.

    Raises NoAccount when there is none, saying `no_account` (the request's rollback keeps no
    token of it); PledgeRefused when the platform could not be asked or the attempt is not
    waiting for a choice.
    """
    if attempt.status not in ("authorized", CHOOSING):
        raise PledgeRefused(
            "This sign-in was already used",
            "Start again from the campaign page; nothing was recorded.",
            status=409,
        )
    try:
        accounts = chooser.list_accounts(_tokens(attempt, cipher))[:MAX_ACCOUNTS]
    except PlatformError as exc:
        raise _platform_refused(exc) from exc
    if not accounts:
        raise NoAccount(
            f"You have no {noun} to post from",
            f"You signed in as {attempt.handle or 'your account'}, but it reaches no {noun} "
            f"amplifier could post from. {no_account} Nothing was recorded; you can start "
            "again from the campaign page afterwards.",
            status=409,
        )
    attempt.status = CHOOSING
    session.add(attempt)
    session.flush()
    return accounts


def choose_account(
    session: Session,
    *,
    attempt: OAuthAttempt,
    chooser: AccountChooser,
    account_id: str,
    cipher: TokenCipher,
    noun: str,
) -> OAuthAttempt:
    """The attempt now holds `account_id`'s tokens and profile and is `authorized` for it.

    Raises PledgeRefused when the attempt is not waiting for a choice, the account is not one
    the token reaches any more (the supporter may choose again), or the platform refused.
    """
    if attempt.status != CHOOSING:
        raise PledgeRefused(
            f"No {noun} is to be chosen here",
            "This sign-in is not waiting for a choice. Start again from the campaign page; "
            "nothing was recorded.",
            status=409,
        )
    try:
        chosen = chooser.choose_account(_tokens(attempt, cipher), account_id)
    except LookupError as exc:
        raise PledgeRefused(
            f"That {noun} cannot be used",
            f"Your account no longer reaches that {noun}, or it cannot post there. Go back and "
            f"choose another; nothing was recorded.",
            status=409,
        ) from exc
    except PlatformError as exc:
        raise _platform_refused(exc) from exc
    profile, tokens = chosen.profile, chosen.tokens
    attempt.status = "authorized"
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
