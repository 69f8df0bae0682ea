"""Preflight: each pledge's connection is checked before T, while a dead one can still be mended.

    run_preflight(db, connectors, cipher, now=, lead_s=) -> PreflightRun        beat, cron
    check_prepared(db, connectors, cipher, campaign_id=, now=, until=) -> int    preparation

From T - `AMPLIFIER_PREFLIGHT_LEAD_S` (24 h) until the release is leased, every active pledge of
an approved, open or armed campaign is checked once with the platform, cheaply: a refresh where
its access token is due (which proves the refresh token too, and is stored at once, as X rotates
it), else a profile read. A pledge is checked at most once per window: `connection_checked_at` is
claimed with a conditional UPDATE before any call, so two workers (beat beside cron, a redelivered
task) never both check it.

Only `AuthExpired` (revoked, expired and not refreshable) is a verdict: `connection_problem` is
set, the supporter (if they opted in to receipts) is asked to reconnect (`reconnect_needed`, with
the reconnect link, reconnect.py), and once every pledge of the campaign has been checked its
owner is told how many are at risk (`preflight_at_risk`). A network blip, a 5xx or a rate limit
says nothing about the connection: the claim is undone and the next run checks again.

At preparation (T - prepare lead) the pledges whose tokens are not refreshed there anyway are
read once more, until `until` (the release is never delayed for it); a dead one is dropped with
the reason, which the owner's `preparation_dropped` notice and the supporter's outcome receipt
tell, since there is no time left to reconnect.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select, update

from amplifier.crypto import TokenCipher
from amplifier.db import Database
from amplifier.media.presence import has_image
from amplifier.models import (
    MAX_ID,
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    Pledge,
    PledgeStatus,
    ReviewStatus,
)
from amplifier.notify import owner_notices, receipts
from amplifier.platforms.base import AuthExpired, PlatformError, TokenSet
from amplifier.platforms.connection_lifetime import ends_before_release
from amplifier.platforms.registry import declaration
from amplifier.pledges.connectors import Connectors, PlatformUnavailable
from amplifier.pledges.pledging import tokens_of
from amplifier.release.outcomes import describe

log = logging.getLogger(__name__)
REFRESH_DUE = timedelta(minutes=10)  # an access token expiring this soon is refreshed instead
PAGE = 200
THREADS = 16
STAGE = "before-release"  # the dedup stage of the mails this window sends


NO_MEDIA_SCOPE = (
    "this connection was made before the campaign could carry an image, and does not allow "
    "amplifier to upload it: connect the account again"
)


class Verdict:
    ALIVE = "alive"
    DEAD = "dead"
    UNKNOWN = "unknown"  # a blip: checked again on the next run


@dataclass
class PreflightRun:
    checked: int = 0
    dead: int = 0
    unknown: int = 0
    campaigns: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class _Claim:
    pledge_id: int
    campaign_id: int
    previous: datetime | None  # connection_checked_at before our claim, restored on a blip


def _check(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    pledge: Pledge,
    now: datetime,
    release_at: datetime | None = None,
    needs_media: bool = False,
) -> tuple[str, str]:
    """One pledge's connection: a refresh where due, else a profile read; an access token the
    platform refuses early (expired before its time) gets a refresh before any verdict. A
    connection that ends before `release_at` and cannot be renewed is dead for the release;
    so is one whose token may not upload the campaign's image (`needs_media`: connected before
    images, without the platform's media scope)."""
    if needs_media and not declaration(pledge.platform).token_may_upload(pledge.token_scope):
        return Verdict.DEAD, NO_MEDIA_SCOPE
    try:
        tokens = tokens_of(pledge, cipher)
        if release_at is not None and (
            ends := ends_before_release(
                pledge.platform,
                expires_at=tokens.expires_at,
                refreshable=bool(tokens.refresh_token),
                release_at=release_at,
            )
        ):
            return Verdict.DEAD, ends
        with db.session() as session:
            adapter = connectors.for_platform(session, pledge.platform, pledge.instance_url)
        due = tokens.expires_at is not None and tokens.expires_at <= now + REFRESH_DUE
        if not due:
            try:
                adapter.profile(tokens)
                return Verdict.ALIVE, ""
            except AuthExpired:
                if not tokens.refresh_token:
                    raise
        fresh = adapter.refresh(tokens)
        if fresh == tokens:  # nothing to refresh (Mastodon): the profile read decides
            adapter.profile(tokens)
            return Verdict.ALIVE, ""
        return (Verdict.ALIVE, "") if _store(db, pledge, fresh, cipher) else _raced()
    except AuthExpired as exc:
        if _tokens_changed(db, pledge):  # someone refreshed (or reconnected) meanwhile
            return _raced()
        return Verdict.DEAD, describe(exc)[:500]
    except (PlatformError, PlatformUnavailable, ValueError) as exc:
        log.info("pledge %s: connection not checked (%s)", pledge.id, type(exc).__name__)
        return Verdict.UNKNOWN, ""


def _raced() -> tuple[str, str]:
    return Verdict.UNKNOWN, ""


def _store(db: Database, pledge: Pledge, fresh: TokenSet, cipher: TokenCipher) -> bool:
    """The rotated tokens, written only over the ones we refreshed (compare-and-set)."""
    with db.session() as session:
        done = session.execute(
            update(Pledge)
            .where(
                col(Pledge.id) == pledge.id,
                col(Pledge.access_token_enc) == pledge.access_token_enc,
                col(Pledge.status) == PledgeStatus.ACTIVE,
            )
            .values(
                access_token_enc=cipher.encrypt(fresh.access_token),
                refresh_token_enc=cipher.encrypt_optional(fresh.refresh_token),
                token_expires_at=fresh.expires_at,
                token_scope=fresh.scope,
            )
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]


def _tokens_changed(db: Database, pledge: Pledge) -> bool:
    with db.session() as session:
        now_held = session.exec(
            select(Pledge.access_token_enc).where(Pledge.id == pledge.id)
        ).first()
    return now_held != pledge.access_token_enc


def _campaigns_in_window(
    db: Database, now: datetime, lead_s: int, quiet_s: float
) -> list[tuple[int, datetime]]:
    with db.session() as session:
        rows = session.exec(
            select(Campaign.id, Campaign.release_at).where(
                col(Campaign.status).in_([CampaignStatus.OPEN, CampaignStatus.ARMED]),
                col(Campaign.review_status) == ReviewStatus.APPROVED,
                col(Campaign.release_at) > now + timedelta(seconds=quiet_s),
                col(Campaign.release_at) <= now + timedelta(seconds=lead_s),
            )
        ).all()
    return [(cid, release_at) for cid, release_at in rows if cid is not None]


def _unchecked(campaign_id: int, window_start: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Pledge.campaign_id) == campaign_id,
        col(Pledge.status) == PledgeStatus.ACTIVE,
        col(Pledge.access_token_enc).is_not(None),
        sa.or_(
            col(Pledge.connection_checked_at).is_(None),
            col(Pledge.connection_checked_at) < window_start,
        ),
    )


def _claim_page(
    db: Database, campaign_id: int, window_start: datetime, now: datetime, after_id: int
) -> list[tuple[_Claim, Pledge]]:
    """Up to PAGE unchecked pledges, each won by one conditional UPDATE before any call."""
    with db.session() as session:
        pledges = list(
            session.exec(
                select(Pledge)
                .where(_unchecked(campaign_id, window_start), col(Pledge.id) > after_id)
                .order_by(col(Pledge.id))
                .limit(PAGE)
            )
        )
        won: list[tuple[_Claim, Pledge]] = []
        for pledge in pledges:
            assert pledge.id is not None
            previous = pledge.connection_checked_at
            done = session.execute(
                update(Pledge)
                .where(col(Pledge.id) == pledge.id, _unchecked(campaign_id, window_start))
                .values(connection_checked_at=now)
            )
            if done.rowcount:  # type: ignore[attr-defined]
                won.append((_Claim(pledge.id, campaign_id, previous), pledge))
        return won


def _record(db: Database, claim: _Claim, verdict: str, why: str, now: datetime) -> None:
    with db.session() as session:
        if verdict == Verdict.UNKNOWN:  # not a verdict: the next run checks it again
            session.execute(
                update(Pledge)
                .where(col(Pledge.id) == claim.pledge_id, col(Pledge.connection_checked_at) == now)
                .values(connection_checked_at=claim.previous)
            )
            return
        if verdict == Verdict.ALIVE:  # a problem seen earlier is gone (reconnected elsewhere)
            session.execute(
                update(Pledge)
                .where(
                    col(Pledge.id) == claim.pledge_id, col(Pledge.connection_problem).is_not(None)
                )
                .values(connection_problem=None)
            )
            return
        pledge = session.get(Pledge, claim.pledge_id)
        campaign = session.get(Campaign, claim.campaign_id)
        if pledge is None or campaign is None or pledge.status != PledgeStatus.ACTIVE:
            return
        pledge.connection_problem = why
        session.add(pledge)
        session.flush()
        receipts.reconnect_needed(session, pledge, campaign, STAGE)


def at_risk(session: Session, campaign_id: int) -> int:
    """Active pledges whose last check found the connection dead (the owner's page shows it)."""
    count = session.exec(
        select(sa.func.count(col(Pledge.id))).where(
            col(Pledge.campaign_id) == campaign_id,
            col(Pledge.status) == PledgeStatus.ACTIVE,
            col(Pledge.connection_problem).is_not(None),
        )
    ).one()
    return int(count)


def _tell_owner_when_done(db: Database, campaign_id: int, window_start: datetime) -> None:
    """Once no pledge is left unchecked in this window, the owner hears the count (once)."""
    with db.session() as session:
        left = session.exec(
            select(col(Pledge.id)).where(_unchecked(campaign_id, window_start)).limit(1)
        ).first()
        if left is None:
            owner_notices.preflight_at_risk(
                session, campaign_id, at_risk=at_risk(session, campaign_id), stage=STAGE
            )


def run_preflight(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    *,
    now: datetime,
    lead_s: int,
    quiet_s: float = 0.0,
    budget_s: float = 20.0,
) -> PreflightRun:
    """Check what is due, for at most about `budget_s` (the rest waits for the next run).

    Campaigns released within `quiet_s` are left to preparation: its refresh must be the only
    one (X spends a refresh token on use, so two refreshers would kill a live connection)."""
    run = PreflightRun()
    stop = time.monotonic() + budget_s
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for campaign_id, release_at in _campaigns_in_window(db, now, lead_s, quiet_s):
            window_start = release_at - timedelta(seconds=lead_s)
            with db.session() as session:
                campaign = session.get(Campaign, campaign_id)
                media = campaign is not None and has_image(
                    session, campaign_id, campaign.message_version
                )
            last_id = 0  # a blip puts a pledge back: it waits for the next run, not this loop
            while time.monotonic() < stop:
                claims = _claim_page(db, campaign_id, window_start, now, last_id)
                if not claims:
                    break
                last_id = max(claim.pledge_id for claim, _ in claims)
                run.campaigns.add(campaign_id)
                for (claim, _), (verdict, why) in zip(
                    claims,
                    pool.map(
                        lambda c, t=release_at, m=media: _check(
                            db, connectors, cipher, c[1], now, t, needs_media=m
                        ),
                        claims,
                    ),
                    strict=True,
                ):
                    _record(db, claim, verdict, why, now)
                    run.checked += verdict != Verdict.UNKNOWN
                    run.dead += verdict == Verdict.DEAD
                    run.unknown += verdict == Verdict.UNKNOWN
            _tell_owner_when_done(db, campaign_id, window_start)
    if run.checked or run.unknown:
        log.info(
            "preflight: %s connections checked, %s dead, %s to check again",
            run.checked,
            run.dead,
            run.unknown,
        )
    return run


def check_prepared(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    *,
    campaign_id: int,
    now: datetime,
    until: datetime,
    refreshed_before: datetime,
    keep_lease: Callable[[], None] = lambda: None,
    delivery_ids: tuple[int, int] | None = None,
) -> dict[int, str]:
    """At preparation: pending pledges whose token preparation does not refresh (that refresh is
    their check) are read once more until `until`. Returns {delivery id: why} of the dead ones,
    whose `connection_problem` is set; prepare.py fails those deliveries. `delivery_ids`: only
    the rows with ids in this closed range (one preparation page)."""
    dead: dict[int, str] = {}
    lo, hi = delivery_ids or (0, MAX_ID)
    last_id = 0
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        while datetime.now(now.tzinfo) < until:
            keep_lease()
            with db.session() as session:
                rows = session.exec(
                    select(Pledge, Delivery.id)
                    .join(Delivery, col(Delivery.pledge_id) == col(Pledge.id))
                    .where(
                        Delivery.campaign_id == campaign_id,
                        Delivery.status == DeliveryStatus.PENDING,
                        col(Delivery.id).between(lo, hi),
                        col(Pledge.id) > last_id,
                        sa.or_(
                            col(Pledge.token_expires_at).is_(None),
                            col(Pledge.token_expires_at) >= refreshed_before,
                        ),
                    )
                    .order_by(col(Pledge.id))
                    .limit(PAGE)
                ).all()
            if not rows:
                break
            last_id = max(p.id or 0 for p, _ in rows)
            verdicts = pool.map(lambda r: _check(db, connectors, cipher, r[0], now), rows)
            for (pledge, delivery_id), (verdict, why) in zip(rows, verdicts, strict=True):
                if verdict != Verdict.DEAD or delivery_id is None:
                    continue
                dead[delivery_id] = why
                with db.session() as session:
                    session.execute(
                        update(Pledge)
                        .where(col(Pledge.id) == pledge.id)
                        .values(connection_problem=why, connection_checked_at=now)
                    )
    return dead
