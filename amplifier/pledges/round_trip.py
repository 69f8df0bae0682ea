"""An OAuth round trip made for an existing pledge: reconnecting it or taking its post back.

    record_trip(session, pledge=, status=, adapter=, …) -> the platform URL      before
    consume_trip(session, attempt=, status=, cipher=, again=) -> code verifier    callback
    ensure_trusted(platform, adapter, query, unchanged)                        callback

Why one module: both trips are the pledging trip (an `OAuthAttempt` bound to the browser by a
hashed nonce, PKCE verifier encrypted) with `pledge_id` set from the start and their own status,
and both must use the platform's answer exactly once however often the callback arrives (a
conditional UPDATE from that status to `consumed`, which also drops the verifier).

Errors: `PledgeRefused` (kind Conflict) when the answer was already used.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlmodel import Session, col, update

from amplifier.crypto import TokenCipher, hash_secret, new_secret
from amplifier.errors import Conflict
from amplifier.models import OAuthAttempt, Pledge
from amplifier.platforms.base import PlatformAdapter
from amplifier.platforms.registry import declaration
from amplifier.pledges.pledging import PledgeRefused


def record_trip(
    session: Session,
    *,
    pledge: Pledge,
    status: str,
    adapter: PlatformAdapter,
    redirect_uri: str,
    browser_nonce: str,
    cipher: TokenCipher,
    now: datetime,
    ttl_s: int,
) -> str:
    """Record the trip for this pledge (lasting `ttl_s` seconds) and return the platform's
    authorization URL to send the browser to."""
    assert pledge.id is not None
    state = new_secret(24)
    request = adapter.authorization_request(redirect_uri=redirect_uri, state=state)
    session.add(
        OAuthAttempt(
            state=state,
            browser_hash=hash_secret(browser_nonce),
            campaign_id=pledge.campaign_id,
            platform=pledge.platform,
            instance_url=pledge.instance_url,
            code_verifier_enc=cipher.encrypt_optional(request.code_verifier),
            status=status,
            expires_at=now + timedelta(seconds=ttl_s),
            pledge_id=pledge.id,
        )
    )
    session.flush()
    return request.url


def consume_trip(
    session: Session, *, attempt: OAuthAttempt, status: str, cipher: TokenCipher, again: str
) -> str | None:
    """Mark the trip used and return its PKCE code verifier (None where the platform has none);
    refuse a second use, `again` telling the supporter what to do instead."""
    verifier = cipher.decrypt_optional(attempt.code_verifier_enc)
    won = session.execute(
        update(OAuthAttempt)
        .where(col(OAuthAttempt.id) == attempt.id, col(OAuthAttempt.status) == status)
        .values(status="consumed", code_verifier_enc=None)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        raise PledgeRefused(
            "This sign-in was already used",
            f"The platform's answer can be used once. {again}",
            kind=Conflict,
        )
    return verifier


def ensure_trusted(
    platform: str, adapter: PlatformAdapter, query: Mapping[str, str], unchanged: str
) -> None:
    """Refuse a callback whose parameters cannot be trusted (`Declaration.callback_problem`:
    AT Protocol's `iss`, RFC 9207) before its code is exchanged; `unchanged` tells the
    supporter what stayed as it was. Used by the pledge, reconnect and take-back callbacks."""
    distrust = declaration(platform).callback_problem(adapter, query)
    if distrust is not None:
        raise PledgeRefused("This sign-in cannot be trusted", f"{distrust} {unchanged}")
