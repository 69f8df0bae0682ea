"""Before T, per post: what the platform must hold before the post can leave (media uploads, a
container to publish), staged during preparation and kept on the delivery row.

Why: uploads belong to the supporter's account (a media id is usable by that account only), so
they cannot be done once per campaign, and they are slow; at T only the post itself should leave.
A platform says it stages through `Declaration.stager` (the optional `Staging` protocol of
`platforms/base.py`); the rest of the engine names no platform:

    prepare.py    stage_deliveries: every pending row whose adapter `needs_staging` and whose
                  staging is missing or expires before T + STAGE_MARGIN is staged; the remote
                  ids and their expiry go on the row (`staged_ids`, `staged_until`); a staging
                  that fails (after a few tries of a retryable error) drops that post alone,
                  with its reason
    send.py       at T, `publish_staged_async` with the row's staging; one that expired
                  meanwhile (or was never made) is staged again first, never skipped

A platform with no upload before the post (`Declaration.inline_media`: the files travel in the
post's own call) stages nothing; at T send.py hands it the whole draft (`publish_draft_async`).

What goes with a post's text (`Attachment`s: today the campaign's image) comes from an
`AttachmentSource`, so that this module knows no storage; the owner's link as a card
(`LinkCard`: the link, the campaign's title and story) from `campaign_card`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from sqlmodel import Session, col, select, update

from amplifier.crypto import TokenCipher
from amplifier.db import Database
from amplifier.media.attach import campaign_attachments as media_attachments
from amplifier.models import MAX_ID, Campaign, Delivery, DeliveryStatus, Pledge
from amplifier.platforms.base import (
    Attachment,
    Draft,
    InlineMedia,
    LinkCard,
    OutcomeUnknown,
    PlatformAdapter,
    PlatformError,
    RateLimited,
    Staged,
    Staging,
    TokenSet,
    Transient,
)
from amplifier.platforms.registry import declaration
from amplifier.pledges.connectors import Connectors, PlatformUnavailable
from amplifier.pledges.pledging import tokens_of
from amplifier.release.outcomes import describe

log = logging.getLogger(__name__)

STAGE_MARGIN = timedelta(minutes=5)  # a staging that expires this close to T is done again
_PAGE = 200
_CONCURRENCY = 32  # stagings in flight at once in one preparation (uploads wait on the network)
_TRIES = 3  # tries of a staging whose error was retryable (nothing posts: a retry is harmless)

NO_MEDIA_SCOPE = (
    "its connection was made before the campaign had an image and does not allow uploading "
    "it: the supporter must connect the account again"
)

AttachmentSource = Callable[[Session, int], tuple[Attachment, ...]]


def campaign_attachments(session: Session, campaign_id: int) -> tuple[Attachment, ...]:
    """What goes with every post of the campaign: its image, if it has one (media/attach.py)."""
    return media_attachments(session, campaign_id)


def campaign_card(session: Session, campaign_id: int) -> LinkCard | None:
    """The owner's link as a card (its title and description are the campaign's), or None when
    the message has no link."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not campaign.link:
        return None
    return LinkCard(campaign.link, campaign.title, campaign.story)


def stager_of(platform: str, adapter: PlatformAdapter) -> Staging | None:
    return declaration(platform).stager(adapter)


def inline_of(platform: str, adapter: PlatformAdapter) -> InlineMedia | None:
    """A platform whose post carries its files in its one call at T (nothing staged)."""
    return declaration(platform).inline_media(adapter)


def encode(staged: Staged) -> str:
    return json.dumps(list(staged.remote_ids))


def decode(staged_ids: str | None, staged_until: datetime | None) -> Staged | None:
    """The row's staging, or None when there is none (or it cannot be read: stage again)."""
    if not staged_ids:
        return None
    try:
        ids = json.loads(staged_ids)
    except ValueError:
        return None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return None
    return Staged(tuple(ids), staged_until)


@dataclass
class StageResult:
    staged: int = 0
    dropped: int = 0


@dataclass(frozen=True)
class _Row:
    delivery_id: int
    pledge: Pledge


async def stage_with_retries(
    stager: Staging, session: aiohttp.ClientSession, tokens: TokenSet, draft: Draft
) -> Staged:
    """Stage once, trying a retryable error again (`_TRIES` in all) after a short pause."""
    for attempt in range(1, _TRIES + 1):
        try:
            return await stager.stage_async(session, tokens, draft)
        except (Transient, RateLimited, OutcomeUnknown) as exc:
            if attempt == _TRIES:
                raise
            log.info("staging failed (%s), trying again", type(exc).__name__)
            await asyncio.sleep(0.5 * attempt)
    raise AssertionError("unreachable")


def stage_deliveries(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    *,
    campaign_id: int,
    release_at: datetime,
    now: datetime,
    attachments: AttachmentSource = campaign_attachments,
    delivery_ids: tuple[int, int] | None = None,
) -> StageResult:
    """Stage every pending row of the campaign that needs it; see the module's docstring.
    `delivery_ids`: only the rows with ids in this closed range (one preparation page)."""
    return asyncio.run(
        _stage_all(
            db,
            connectors,
            cipher,
            campaign_id=campaign_id,
            before=release_at + STAGE_MARGIN,
            now=now,
            attachments=attachments,
            delivery_ids=delivery_ids,
        )
    )


async def _stage_all(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    *,
    campaign_id: int,
    before: datetime,
    now: datetime,
    attachments: AttachmentSource,
    delivery_ids: tuple[int, int] | None,
) -> StageResult:
    result = StageResult()
    with db.session() as session:
        files = attachments(session, campaign_id)
        card = campaign_card(session, campaign_id)
    channels: dict[tuple[str, str], tuple[Staging, aiohttp.ClientSession] | None] = {}
    gate = asyncio.Semaphore(_CONCURRENCY)
    last_id = 0
    try:
        while True:
            rows = _page(db, campaign_id, before, last_id, delivery_ids)
            if not rows:
                return result
            last_id = rows[-1].delivery_id
            answers = await asyncio.gather(
                *(
                    _stage_one(db, connectors, cipher, channels, gate, row, files, card)
                    for row in rows
                )
            )
            with db.session() as session:
                for row, answer in zip(rows, answers, strict=True):
                    if isinstance(answer, Staged):
                        result.staged += _keep(session, row.delivery_id, answer)
                    elif isinstance(answer, str):
                        result.dropped += _drop(session, row.delivery_id, answer, now)
    finally:
        for channel in channels.values():
            if channel is not None:
                await channel[1].close()


def _page(
    db: Database,
    campaign_id: int,
    before: datetime,
    last_id: int,
    delivery_ids: tuple[int, int] | None,
) -> list[_Row]:
    lo, hi = delivery_ids or (0, MAX_ID)
    with db.session() as session:
        found = session.exec(
            select(Delivery.id, Pledge)
            .join(Pledge, col(Pledge.id) == col(Delivery.pledge_id))
            .where(
                Delivery.campaign_id == campaign_id,
                Delivery.status == DeliveryStatus.PENDING,
                col(Delivery.id) > max(last_id, lo - 1),
                col(Delivery.id) <= hi,
                (col(Delivery.staged_ids).is_(None)) | (col(Delivery.staged_until) < before),
            )
            .order_by(col(Delivery.id))
            .limit(_PAGE)
        ).all()
    return [_Row(d, p) for d, p in found if d is not None]


async def _stage_one(
    db: Database,
    connectors: Connectors,
    cipher: TokenCipher,
    channels: dict[tuple[str, str], tuple[Staging, aiohttp.ClientSession] | None],
    gate: asyncio.Semaphore,
    row: _Row,
    files: tuple[Attachment, ...],
    card: LinkCard | None = None,
) -> Staged | str | None:
    """The row's staging, the reason to drop it, or None when it needs none."""
    pledge = row.pledge
    key = (pledge.platform, pledge.instance_url)
    if key not in channels:
        try:
            with db.session() as session:
                adapter = connectors.for_platform(session, *key)
        except (PlatformUnavailable, ValueError) as exc:
            return f"cannot be posted: {exc}"
        stager = stager_of(pledge.platform, adapter)
        channels[key] = None if stager is None else (stager, adapter.async_session(limit=8))
    channel = channels[key]
    if channel is None:
        return None
    stager, client = channel
    draft = Draft(pledge.post_text, files, card)
    if not stager.needs_staging(draft):
        return None
    if files and not declaration(pledge.platform).token_may_upload(pledge.token_scope):
        return NO_MEDIA_SCOPE
    try:
        tokens = tokens_of(pledge, cipher)
    except ValueError as exc:
        return f"no usable token: {exc}"
    async with gate:
        try:
            return await stage_with_retries(stager, client, tokens, draft)
        except PlatformError as exc:
            log.info("delivery %s: staging failed: %s", row.delivery_id, type(exc).__name__)
            what = "its media" if files else "it"  # a text post is staged too (a container)
            return f"{what} could not be prepared: " + describe(exc)


def _keep(session: Session, delivery_id: int, staged: Staged) -> int:
    done = session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, col(Delivery.status) == DeliveryStatus.PENDING)
        .values(staged_ids=encode(staged), staged_until=staged.expires_at)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def _drop(session: Session, delivery_id: int, reason: str, now: datetime) -> int:
    done = session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, col(Delivery.status) == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.FAILED, error=reason[:2000], finished_at=now)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
