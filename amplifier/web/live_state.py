"""The small JSON answers the pages poll to keep telling the truth, one per audience.

`GET /c/{slug}/state` (public: anyone may read it, cacheable for one second, so a crowd watching
the release costs the database one read per second per front cache),
`GET /owner/campaigns/{id}/state` (the owner's, with review and suspension reasons; login needed)
and `GET /p/{id}/{signature}/state` (a supporter's: the campaign's state plus their own post's).

Shape (all times ISO 8601 UTC)::

    {"phase": "preparing", "label": "preparing the release", "final": false,
     "takes_pledges": false, "sentence": [{"text": …}, {"time": …, "text": …}, …],
     "countdown": {"label": "The posts leave", "at": …} | null,
     "supporters": 12, "goal": 10, "reach": 3400, "progress": 100, "posted": 0,
     "deliveries": 12, "now": …}

The manage link's answer adds "status_word" and "outcome" (a sentence). `now` is the server's
clock, so a countdown is right on a browser whose clock is not. From T - prepare lead on (phases
preparing, releasing, released) the owner's and the public answer add "release": the live
release view (`release_view.py`; the public one without who posted).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from amplifier.campaigns.state import CampaignState, Counts, campaign_counts, campaign_state
from amplifier.models import Campaign, Delivery
from amplifier.release.view import LiveRelease, live_release
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.deps import RuntimeDep, SessionDep, WebOwner
from amplifier.web.page_cache import page_cache
from amplifier.web.path_ids import own_campaign
from amplifier.web.pledge_outcome import pledge_outcome, status_word
from amplifier.web.sentence import sentence_json
from amplifier.web.supporter_common import campaign_or_404, pledge_campaign, signed_pledge

router = APIRouter(include_in_schema=False)
PUBLIC_CACHE = "public, max-age=1"


def load_state(
    session: Session, rt: Runtime, campaign: Campaign, *, for_owner: bool, now: datetime
) -> tuple[CampaignState, Counts]:
    """The campaign's state and counts at `now`, under this deployment's prepare lead."""
    counts = campaign_counts(session, campaign)
    state = campaign_state(
        campaign,
        counts,
        now=now,
        prepare_lead_s=rt.settings.release_prepare_lead_s,
        for_owner=for_owner,
    )
    return state, counts


def state_payload(state: CampaignState, counts: Counts, now: datetime) -> dict[str, Any]:
    countdown = None
    if state.countdown_to is not None and state.countdown_to > now:
        countdown = {"label": state.countdown_label, "at": state.countdown_to.isoformat()}
    return {
        "phase": state.phase.value,
        "label": state.label,
        "final": state.final,
        "takes_pledges": state.takes_pledges,
        "sentence": sentence_json(state.parts),
        "countdown": countdown,
        "supporters": counts.supporters,
        "goal": counts.goal,
        "reach": counts.reach,
        "progress": counts.progress,
        "posted": counts.posted,
        "deliveries": counts.deliveries,
        "now": now.astimezone(UTC).isoformat(),
    }


RELEASE_PHASES = frozenset({"preparing", "releasing", "released"})


def release_now(
    session: Session, campaign: Campaign, state: CampaignState, now: datetime, *, public: bool
) -> LiveRelease | None:
    """The live release view while the release is near, under way or done; else None."""
    if state.phase.value not in RELEASE_PHASES or campaign.id is None:
        return None
    return live_release(session, campaign.id, now=now, public=public)


def without_js_refresh(state: CampaignState) -> int | None:
    """Seconds after which a browser without JavaScript reloads the page: only while the posts
    are about to leave or leaving, when the page would otherwise stand still."""
    return 5 if state.phase.value in ("preparing", "releasing") else None


def _with_release(payload: dict[str, Any], release: LiveRelease | None) -> dict[str, Any]:
    if release is not None:
        payload["release"] = release.as_json()
    return payload


def _answer(payload: dict[str, Any], cache: str) -> JSONResponse:
    return JSONResponse(payload, headers={"Cache-Control": cache})


@router.get("/c/{slug}/state")
async def public_state(request: Request, slug: str, rt: RuntimeDep) -> JSONResponse:
    """Every open campaign page polls this: the payload is the same for everyone, so it is
    kept like the page (web/page_cache.py); only `now` is the moment of each answer."""
    cache, key = page_cache(request), f"state:{slug}"
    found, refresh = cache.value_or_refresh(key)  # one caller at a time makes a new one
    payload: dict[str, Any]
    if isinstance(found, dict) and not refresh:
        payload = dict(found)
    else:
        try:
            payload = await run_in_threadpool(_public_payload, slug, rt)
        except BaseException:
            cache.value_refreshed(key, failed=True)
            raise
        cache.keep(key, dict(payload))
        cache.value_refreshed(key)
    payload["now"] = utcnow().astimezone(UTC).isoformat()
    return _answer(payload, PUBLIC_CACHE)


def _public_payload(slug: str, rt: Runtime) -> dict[str, Any]:
    with rt.db.session() as session:
        campaign = campaign_or_404(session, slug)
        now = utcnow()
        state, counts = load_state(session, rt, campaign, for_owner=False, now=now)
        release = release_now(session, campaign, state, now, public=True)
        return _with_release(state_payload(state, counts, now), release)


@router.get("/owner/campaigns/{campaign_id}/state")
def owner_state(
    campaign_id: str, session: SessionDep, rt: RuntimeDep, owner: WebOwner
) -> JSONResponse:
    campaign = own_campaign(session, owner, campaign_id)
    now = utcnow()
    state, counts = load_state(session, rt, campaign, for_owner=True, now=now)
    release = release_now(session, campaign, state, now, public=False)
    payload = _with_release(state_payload(state, counts, now), release)
    return _answer(payload, "private, max-age=1")


@router.get("/p/{pledge_id}/{signature}/state")
def supporter_state(
    pledge_id: str, signature: str, session: SessionDep, rt: RuntimeDep
) -> JSONResponse:
    pledge = signed_pledge(session, rt, pledge_id, signature)
    campaign = pledge_campaign(session, pledge)
    now = utcnow()
    state, counts = load_state(session, rt, campaign, for_owner=False, now=now)
    delivery = session.exec(select(Delivery).where(Delivery.pledge_id == pledge.id)).first()
    payload = state_payload(state, counts, now)
    payload["status_word"] = status_word(pledge, delivery, campaign)
    payload["outcome"] = sentence_json(pledge_outcome(pledge, delivery, campaign, state))
    return _answer(payload, "no-store")  # the address is the supporter's secret
