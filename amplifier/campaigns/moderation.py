"""Moderation: a campaign is public only once an admin approves it; a suspension holds it.

The review is one small state machine on the campaign row, changed only by conditional UPDATEs,
so two admins acting at once (or an admin racing the deadline) cannot both win:

    pending  --approve-->  approved  --suspend-->  approved + suspended  --reinstate-->  approved
    pending  --reject(reason)-->  rejected  --approve-->  approved  (an admin may change their mind)

What each state means elsewhere (the gate predicates below are the one place that says it):
- pending / rejected: not public (the page answers as for an unknown address), no pledges, and
  at the deadline the campaign fails through the ordinary failure path (tokens deleted).
- suspended: the page says so and takes no pledges; pledges already made are kept; the release
  is held (no lease is handed out, a running firer stops claiming rows) until reinstated, after
  which the next tick releases it, late.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select, update

from amplifier.characters import character_problem, one_kind_of_line_break
from amplifier.errors import AmplifierError, Conflict, InvalidInput, NotFound
from amplifier.models import Campaign, CampaignStatus, ReviewStatus
from amplifier.notify import events as notify_events

MAX_REASON = 2_000
# `admin_id` of every change: the admin who made it, or None for an operator at the command line
# a campaign an admin may still suspend: not yet over
LIVE_STATUSES = (CampaignStatus.OPEN, CampaignStatus.ARMED, CampaignStatus.RELEASING)


class ModerationError(AmplifierError):
    """A moderation request that cannot be carried out; the message says why and what to do."""


class InvalidReason(InvalidInput, ModerationError):
    """The reason is missing or too long (answered 422)."""


class CampaignNotFound(NotFound, ModerationError):
    """No campaign has this id (answered 404)."""


class WrongState(Conflict, ModerationError):
    """The campaign's state does not allow this change (answered 409)."""


# --- gate predicates: the rest of the code asks these, never the columns directly -------------


def is_public(campaign: Campaign) -> bool:
    """Approved campaigns have a page; others answer as an unknown address (no existence leak)."""
    return campaign.review_status == ReviewStatus.APPROVED


def is_suspended(campaign: Campaign) -> bool:
    return campaign.suspended_at is not None


def may_arm(campaign: Campaign) -> bool:
    """At the deadline, a campaign never approved fails whatever its support."""
    return is_public(campaign)


def release_not_held() -> sa.ColumnElement[bool]:
    """SQL condition on Campaign: its release may proceed (no suspension)."""
    return col(Campaign.suspended_at).is_(None)


def release_held(session: Session, campaign_id: int) -> bool:
    """Whether a running firer must stop claiming rows of this campaign."""
    suspended_at = session.exec(
        select(Campaign.suspended_at).where(col(Campaign.id) == campaign_id)
    ).first()
    return suspended_at is not None


def review_status_at_creation(*, auto_approve: bool) -> ReviewStatus:
    return ReviewStatus.APPROVED if auto_approve else ReviewStatus.PENDING


# --- reading -------------------------------------------------------------------------------


def list_by_review(session: Session, status: ReviewStatus) -> list[Campaign]:
    """Oldest first: the queue an admin works through."""
    return list(
        session.exec(
            select(Campaign)
            .where(Campaign.review_status == status)
            .order_by(col(Campaign.created_at), col(Campaign.id))
        )
    )


def list_pending(session: Session) -> list[Campaign]:
    """Waiting for review and still able to go public (cancelled or failed ones are left out)."""
    return [
        c for c in list_by_review(session, ReviewStatus.PENDING) if c.status == CampaignStatus.OPEN
    ]


def list_live(session: Session) -> list[Campaign]:
    """Approved and not over: the campaigns an admin may suspend or reinstate."""
    return list(
        session.exec(
            select(Campaign)
            .where(
                Campaign.review_status == ReviewStatus.APPROVED,
                col(Campaign.status).in_(LIVE_STATUSES),
            )
            .order_by(col(Campaign.release_at), col(Campaign.id))
        )
    )


# --- changing ------------------------------------------------------------------------------


def approve(session: Session, *, campaign_id: int, admin_id: int | None, now: datetime) -> Campaign:
    """Pending (or rejected) → approved, while pledging can still happen."""
    _change(
        session,
        campaign_id,
        allowed=sa.and_(
            col(Campaign.review_status).in_([ReviewStatus.PENDING, ReviewStatus.REJECTED]),
            col(Campaign.status) == CampaignStatus.OPEN,
            col(Campaign.pledge_deadline) > now,
        ),
        values={
            "review_status": ReviewStatus.APPROVED,
            "review_reason": None,
            "reviewed_at": now,
            "reviewed_by": admin_id,
        },
        why_not=lambda c: _why_not_approve(c, now),
    )
    notify_events.reviewed(session, campaign_id, "approved", now)
    return _load(session, campaign_id)


def reject(
    session: Session, *, campaign_id: int, admin_id: int | None, reason: str, now: datetime
) -> Campaign:
    """Pending → rejected; the owner reads the reason through the API and the CLI."""
    reason = clean_reason(reason)
    _change(
        session,
        campaign_id,
        allowed=sa.and_(
            col(Campaign.review_status) == ReviewStatus.PENDING,
            col(Campaign.status) == CampaignStatus.OPEN,
        ),
        values={
            "review_status": ReviewStatus.REJECTED,
            "review_reason": reason,
            "reviewed_at": now,
            "reviewed_by": admin_id,
        },
        why_not=_why_not_reject,
    )
    notify_events.reviewed(session, campaign_id, "rejected", now)
    return _load(session, campaign_id)


def suspend(
    session: Session, *, campaign_id: int, admin_id: int | None, reason: str, now: datetime
) -> Campaign:
    """Approved and live → suspended: no pledges, the release held, the pledges kept."""
    reason = clean_reason(reason)
    _change(
        session,
        campaign_id,
        allowed=sa.and_(
            col(Campaign.review_status) == ReviewStatus.APPROVED,
            col(Campaign.status).in_(LIVE_STATUSES),
            col(Campaign.suspended_at).is_(None),
        ),
        values={
            "suspended_at": now,
            "suspension_reason": reason,
            "reviewed_at": now,
            "reviewed_by": admin_id,
        },
        why_not=_why_not_suspend,
    )
    notify_events.reviewed(session, campaign_id, "suspended", now)
    return _load(session, campaign_id)


def reinstate(
    session: Session, *, campaign_id: int, admin_id: int | None, now: datetime
) -> Campaign:
    """Suspended → live again. A held release is handed out at the next tick (the lease is
    dropped, so new firers need not wait for the stopped ones' lease to lapse; per-row claims
    keep any firer still running from posting a row twice)."""
    _change(
        session,
        campaign_id,
        allowed=col(Campaign.suspended_at).is_not(None),
        values={
            "suspended_at": None,
            "suspension_reason": None,
            "reviewed_at": now,
            "reviewed_by": admin_id,
            "lease_until": None,
        },
        why_not=lambda c: "it is not suspended",
    )
    return _load(session, campaign_id)


def clean_reason(reason: str | None) -> str:
    reason = one_kind_of_line_break(reason or "")  # positions as a textarea shows them
    problem = character_problem(reason, multiline=True)
    if problem is not None:
        raise InvalidReason(f"reason: {problem}")
    reason = reason.strip()
    if not reason:
        raise InvalidReason("reason: say why, in a few words (the owner will read it)")
    if len(reason) > MAX_REASON:
        raise InvalidReason(f"reason: at most {MAX_REASON} characters (this one has {len(reason)})")
    return reason


def _change(
    session: Session,
    campaign_id: int,
    *,
    allowed: sa.ColumnElement[bool],
    values: dict[str, Any],
    why_not: Any,
) -> None:
    """One conditional UPDATE; if it matched nothing, say why from the row as it is now."""
    done = session.execute(
        update(Campaign).where(col(Campaign.id) == campaign_id, allowed).values(**values)
    )
    session.expire_all()
    if done.rowcount == 1:  # type: ignore[attr-defined]
        return
    campaign = _load(session, campaign_id)
    raise WrongState(f"campaign {campaign_id} cannot be changed: {why_not(campaign)}")


def _load(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignNotFound(f"no campaign with id {campaign_id}")
    return campaign


def _over(campaign: Campaign) -> str | None:
    if campaign.status not in LIVE_STATUSES:
        return f"it is {campaign.status}"
    return None


def _why_not_approve(campaign: Campaign, now: datetime) -> str:
    if campaign.review_status == ReviewStatus.APPROVED:
        return "it is already approved"
    if campaign.status != CampaignStatus.OPEN:
        return f"it is {campaign.status}"
    if campaign.pledge_deadline <= now:
        return "its pledge deadline has passed (it fails for want of approval)"
    return f"its review status is {campaign.review_status}"


def _why_not_reject(campaign: Campaign) -> str:
    if campaign.review_status == ReviewStatus.APPROVED:
        return "it is already approved and public: suspend it instead"
    if campaign.review_status == ReviewStatus.REJECTED:
        return "it is already rejected"
    return _over(campaign) or f"it is {campaign.status}"


def _why_not_suspend(campaign: Campaign) -> str:
    if campaign.review_status != ReviewStatus.APPROVED:
        return f"it is {campaign.review_status}, not public: there is nothing to suspend"
    if campaign.suspended_at is not None:
        return "it is already suspended"
    return _over(campaign) or f"it is {campaign.status}"
