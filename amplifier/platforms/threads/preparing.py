"""What Threads' staging checks before T, per pledge: the profile's publishing quota, and a
container that Meta is still filling (an image it fetches) until it is ready.

From Meta's Threads documentation:

- /overview "Posts": 250 API-published posts per profile in a moving 24 hours, enforced at
  `threads_publish`. `GET /{threads-user-id}/threads_publishing_limit?fields=quota_usage,config`
  answers `{"data": [{"quota_usage": N, "config": {"quota_total": 250, "quota_duration":
  86400}}]}`. It does not say when the oldest counted post leaves the window, so a profile with
  no quota left is dropped at preparation with a plain reason (it would be refused at T).
- /troubleshooting: a container's `status` is IN_PROGRESS until its media is processed, then
  FINISHED (or ERROR, EXPIRED); Meta suggests asking once a minute for at most 5 minutes.
  Images are quick; the wait here starts short and grows to that pace.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import aiohttp

from ..base import Rejected, TokenSet, Transient

if TYPE_CHECKING:
    from .adapter import ThreadsAdapter

READY_WAIT_S = 300.0  # Meta's "no more than 5 minutes"
FIRST_POLL_S = 0.5
LONGEST_POLL_S = 60.0


async def check_publishing_quota(
    adapter: ThreadsAdapter, session: aiohttp.ClientSession, tokens: TokenSet
) -> None:
    """Rejected when the profile has no API post left in its 24 hours; an answer that does not
    say (no `data`, other shapes) lets the post go on: `threads_publish` is the judge."""
    user = tokens.extras.get("threads_user_id") or "me"
    body = await adapter.get_json(
        session,
        f"{adapter.graph}/{user}/threads_publishing_limit",
        tokens.access_token,
        {"fields": "quota_usage,config"},
    )
    data = body.get("data")
    entry = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
    used, config = entry.get("quota_usage"), entry.get("config")
    total = config.get("quota_total") if isinstance(config, dict) else None
    if isinstance(used, int) and isinstance(total, int) and used >= total > 0:
        raise Rejected(
            f"this Threads profile has already published {used} posts through apps in the "
            f"last 24 hours, Threads' limit of {total}: Threads would refuse this one"
        )


async def wait_until_finished(
    adapter: ThreadsAdapter,
    session: aiohttp.ClientSession,
    tokens: TokenSet,
    container_id: str,
) -> None:
    """Return once the container is FINISHED; Rejected on ERROR or EXPIRED, Transient when it
    is still in progress after READY_WAIT_S."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + READY_WAIT_S
    pause = FIRST_POLL_S
    while True:
        status = await adapter.status(session, tokens, container_id)
        if status in ("FINISHED", "PUBLISHED", ""):
            return  # "": an answer without a status, as older text containers gave
        if status == "EXPIRED":
            raise Rejected("Threads let the post's container expire before it was published")
        if loop.time() + pause > give_up:
            raise Transient(
                f"Threads was still preparing the post's image after {READY_WAIT_S:g} s"
            )
        await asyncio.sleep(pause)
        pause = min(pause * 2, LONGEST_POLL_S)
