"""One claimed row's trip to its platform: token, limiter place, fence, the call, its meaning.

    fresh token (refreshed here only if prepare could not) → a place in the shared limits
    (Redis) → the fence (is the claim still ours? fence.py) → publish_async → an Outcome

An answer that leaves the post's existence in doubt (a timeout after sending, a 5xx on a write,
or a duplicate refusal after an earlier try of ours) is resent only where the platform honours
our idempotency key; elsewhere it is handed to the settler, which looks for the post first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import aiohttp
from redis.exceptions import RedisError
from sqlmodel import col, update

from amplifier.crypto import TokenCipher
from amplifier.db import Database
from amplifier.logging_setup import mark_delivery
from amplifier.models import Delivery
from amplifier.platforms._aio import preconnect
from amplifier.platforms.base import (
    Attachment,
    Draft,
    Duplicate,
    InlineMedia,
    LinkCard,
    OutcomeUnknown,
    PlatformAdapter,
    PlatformError,
    PublishedPost,
    RateLimited,
    Staged,
    Staging,
    TokenSet,
    Transient,
)
from amplifier.pledges.connectors import Connectors, PlatformUnavailable
from amplifier.release.credentials import refresh_locks, refresh_pledge
from amplifier.release.dbretry import call_db
from amplifier.release.fence import FenceBatcher, NotOurs
from amplifier.release.limits import LimitKey, RedisLimiter
from amplifier.release.outcomes import Deferred, Outcome, idempotency_memory, resend_is_safe
from amplifier.release.refclock import ReferenceClock
from amplifier.release.staging import (
    campaign_attachments,
    campaign_card,
    encode,
    inline_of,
    stage_with_retries,
    stager_of,
)

log = logging.getLogger(__name__)
REFRESH_AHEAD = timedelta(seconds=60)
STAGED_AHEAD = timedelta(seconds=30)  # a staging expiring sooner is done again before the post
LIMIT_WAIT_S = 5.0  # longer than this for a limiter place: hand the row back


@dataclass
class Claimed:
    """A row this firer holds under `token`, with what it takes to post it."""

    delivery_id: int
    attempts: int  # including this claim
    pledge_id: int
    platform: str
    instance_url: str
    account_id: str
    text: str
    tokens: TokenSet
    token: str  # the claim token (claims.py)
    first_sent_at: datetime
    retry_until: datetime  # first send + the retry window
    held_at: float = field(default_factory=time.monotonic)  # claim last confirmed (monotonic)
    campaign_id: int = 0
    staged: Staged | None = None  # what preparation staged for it (staging.py)

    @property
    def ambiguous(self) -> bool:
        """An earlier claim of this row may have reached the platform."""
        return self.attempts > 1

    def outcome(
        self,
        *,
        post: PublishedPost | None = None,
        error: PlatformError | None = None,
        at: datetime | None = None,
        retry_until: datetime | None = None,
    ) -> Outcome:
        """An answer for this row; a retryable error is retried until `retry_until` (by default
        the row's window)."""
        until = self.retry_until if retry_until is None else retry_until
        return Outcome(
            self.delivery_id, self.token, self.attempts, self.platform, post, error, at, until
        )

    def final(self, error: PlatformError) -> Outcome:
        """An answer that ends the row whatever its kind (a settling that gave up)."""
        return Outcome(self.delivery_id, self.token, self.attempts, self.platform, error=error)


class Unusable(PlatformError):
    """A row that cannot be sent at all (no token, platform not configured): report, don't retry."""


@dataclass
class _Channel:
    adapter: PlatformAdapter
    session: aiohttp.ClientSession
    stager: Staging | None = None
    inline: InlineMedia | None = None  # files in the post's own call (no staging)


@dataclass
class Sender:
    db: Database
    connectors: Connectors
    cipher: TokenCipher
    clock: ReferenceClock
    concurrency: int
    fence: FenceBatcher
    fresh_s: float  # a claim confirmed this recently is sent without asking the database
    add: Callable[[Outcome], None]  # the firer's buffer of answers
    look_for: Callable[[Claimed, PlatformError], None]  # the settler
    limiter_factory: Callable[[], RedisLimiter] | None = None

    def __post_init__(self) -> None:
        self._channels: dict[tuple[str, str], _Channel] = {}
        self._channel_lock = asyncio.Lock()
        self._limiter: RedisLimiter | None = None
        self._attachments: dict[
            int, asyncio.Future[tuple[tuple[Attachment, ...], LinkCard | None]]
        ] = {}

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[None]:
        self._limiter = self.limiter_factory() if self.limiter_factory else None
        try:
            yield
        finally:
            for channel in self._channels.values():
                await channel.session.close()
            self._channels.clear()
            if self._limiter is not None:
                await self._limiter.aclose()
                self._limiter = None

    async def ready_for(self, page: list[Claimed]) -> None:
        """Before T: open the page's channels (adapter, connection pool) and read the campaign's
        attachments, and warm the shared limiter, so that the first sends at T wait for no
        database call and no Redis connect."""
        if self._limiter is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._limiter.warm()
        wanted = Counter((item.platform, item.instance_url) for item in page)
        for key, count in wanted.items():
            with contextlib.suppress(Exception):  # a failure is met again, and reported, at T
                channel = await self.channel(*key)
                campaigns = {item.campaign_id for item in page if item.platform == key[0]}
                if channel.stager is not None:
                    for campaign_id in campaigns:
                        await self._files(campaign_id)
                await preconnect(channel.session, channel.adapter.publish_origin(), count)

    async def deliver(self, item: Claimed) -> None:
        """Post one row and buffer what the answer means; never raises. Run as a task of its
        own (its log lines carry the delivery's id)."""
        mark_delivery(item.delivery_id)  # LOG IDS (logging_setup)
        try:
            channel = await self.channel(item.platform, item.instance_url)
            tokens = await self._fresh_tokens(channel.adapter, item)
            post = await self._publish(channel, item, tokens)
        except NotOurs:
            log.warning(
                "delivery %s: its claim was taken over while stalled; not sent", item.delivery_id
            )
        except Duplicate as exc:
            if item.ambiguous:  # an earlier try of ours may be that post
                self.look_for(item, exc)
            else:
                self.add(item.outcome(error=exc))
        except OutcomeUnknown as exc:
            memory = idempotency_memory(item.platform)
            if memory is not None and resend_is_safe(
                item.platform, item.first_sent_at, self.clock.now()
            ):
                until = min(item.retry_until, item.first_sent_at + memory)
                self.add(item.outcome(error=exc, retry_until=until))
            else:
                self.look_for(item, exc)
        except PlatformError as exc:
            self.add(item.outcome(error=exc))
        except PlatformUnavailable as exc:
            self.add(item.outcome(error=Unusable(str(exc))))
        except Exception as exc:  # a bug must not lose a claimed row: settle it like a doubt
            log.exception("delivery %s: unexpected error", item.delivery_id)
            self.look_for(item, OutcomeUnknown(f"internal error: {type(exc).__name__}"))
        else:
            self.add(item.outcome(post=post, at=self.clock.now()))

    async def _hold(self, item: Claimed) -> None:
        """Right before the call: the claim must still be ours (fence.py)."""
        if time.monotonic() - item.held_at <= self.fresh_s:
            return
        item.held_at = await self.fence.hold(item.delivery_id, item.token)

    async def _publish(self, channel: _Channel, item: Claimed, tokens: TokenSet) -> PublishedPost:
        key = f"amplifier-{item.delivery_id}"
        if self._limiter is None:
            return await self._post(channel, item, tokens, key)
        limit_key = LimitKey(item.platform, item.instance_url or "app")
        slot = self._limiter.slot(limit_key, timeout=LIMIT_WAIT_S)
        try:
            await slot.__aenter__()
        except TimeoutError:
            # Paused or saturated for a while: give the row back instead of holding a place
            # in this firer, so other platforms' rows keep flowing.
            until = None
            with contextlib.suppress(RedisError, OSError):
                until = (await self._limiter.status(limit_key)).paused_until
            raise Deferred(f"waiting for {item.platform}'s limits", until=until) from None
        except (RedisError, OSError) as exc:
            raise Deferred(  # nothing was sent: wait for Redis rather than spend attempts
                f"the shared limiter (Redis) was unreachable, nothing was sent: {exc}",
                until=self.clock.now() + timedelta(seconds=1),
            ) from None
        try:
            return await self._post(channel, item, tokens, key)
        except RateLimited as exc:
            if exc.retry_at is not None:  # every worker holds off until the reset
                with contextlib.suppress(RedisError, OSError):
                    await self._limiter.pause(limit_key, exc.retry_at)
            raise
        finally:
            with contextlib.suppress(RedisError, OSError):
                await slot.__aexit__(None, None, None)

    async def _post(
        self, channel: _Channel, item: Claimed, tokens: TokenSet, key: str
    ) -> PublishedPost:
        """The fence, then the one publishing call: with the row's staging where the platform
        stages (staged again first when it expired or is missing: never sent without it)."""
        if channel.stager is not None:
            files, card = await self._files(item.campaign_id)
            draft = Draft(item.text, files, card)
            if channel.stager.needs_staging(draft):
                staged = await self._staged(channel, channel.stager, item, tokens, draft)
                await self._hold(item)
                return await channel.stager.publish_staged_async(
                    channel.session, tokens, draft, staged, idempotency_key=key
                )
        elif channel.inline is not None:
            files, card = await self._files(item.campaign_id)
            if files:
                await self._hold(item)
                return await channel.inline.publish_draft_async(
                    channel.session, tokens, Draft(item.text, files, card), idempotency_key=key
                )
        await self._hold(item)
        return await channel.adapter.publish_async(
            channel.session, tokens, item.text, idempotency_key=key
        )

    async def _staged(
        self, channel: _Channel, stager: Staging, item: Claimed, tokens: TokenSet, draft: Draft
    ) -> Staged:
        staged = item.staged
        if staged is not None and staged.usable_at(self.clock.now() + STAGED_AHEAD):
            return staged
        log.info("delivery %s: its staging expired or is missing, staging again", item.delivery_id)
        try:
            staged = await stage_with_retries(stager, channel.session, tokens, draft)
        except OutcomeUnknown as exc:  # a staging posts nothing: the row may be tried again
            raise Transient(f"staging again failed: {exc.message}") from exc
        item.staged = staged
        await call_db(self._keep_staged, item.delivery_id, staged)
        return staged

    def _keep_staged(self, delivery_id: int, staged: Staged) -> None:
        with self.db.session() as session:
            session.execute(
                update(Delivery)
                .where(col(Delivery.id) == delivery_id)
                .values(staged_ids=encode(staged), staged_until=staged.expires_at)
            )

    async def _files(self, campaign_id: int) -> tuple[tuple[Attachment, ...], LinkCard | None]:
        """What goes with the campaign's posts, its image and its link's card, read once per
        campaign: the posts in flight at T wait for one read, not one each."""
        loading = self._attachments.get(campaign_id)
        if loading is None:
            loading = asyncio.ensure_future(call_db(self._load_files, campaign_id))
            self._attachments[campaign_id] = loading
        try:
            return await asyncio.shield(loading)
        except Exception:
            if self._attachments.get(campaign_id) is loading:
                del self._attachments[campaign_id]  # the next post reads again
            raise

    def _load_files(self, campaign_id: int) -> tuple[tuple[Attachment, ...], LinkCard | None]:
        with self.db.session() as session:
            return campaign_attachments(session, campaign_id), campaign_card(session, campaign_id)

    async def _fresh_tokens(self, adapter: PlatformAdapter, item: Claimed) -> TokenSet:
        """Prepare refreshed what it could; a token still expiring is refreshed here, under the
        pledge's refresh lock like every refresh (credentials.py): a pair another worker stored
        meanwhile is used, and a rotated pair is stored at once. RefreshBusy is Transient."""
        tokens = item.tokens
        if tokens.expires_at is None or tokens.expires_at - REFRESH_AHEAD > self.clock.now():
            return tokens
        refreshed = await asyncio.to_thread(
            refresh_pledge,
            self.db,
            self.cipher,
            adapter,
            item.pledge_id,
            locks=refresh_locks(self.connectors.settings),
            fresh_until=self.clock.now() + REFRESH_AHEAD,
        )
        item.tokens = refreshed.tokens
        return refreshed.tokens

    async def channel(self, platform: str, instance_url: str) -> _Channel:
        """One adapter and one connection pool per platform host, made once per firer."""
        key = (platform, instance_url)
        channel = self._channels.get(key)
        if channel is not None:
            return channel
        async with self._channel_lock:
            channel = self._channels.get(key)
            if channel is None:
                adapter = await call_db(self._adapter, platform, instance_url)
                channel = _Channel(
                    adapter=adapter,
                    session=adapter.async_session(limit=self.concurrency),
                    stager=stager_of(platform, adapter),
                    inline=inline_of(platform, adapter),
                )
                self._channels[key] = channel
        return channel

    def _adapter(self, platform: str, instance_url: str) -> PlatformAdapter:
        with self.db.session() as session:
            return self.connectors.for_platform(session, platform, instance_url)
