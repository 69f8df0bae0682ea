"""Where a campaign stands, in one true sentence, from its row and the clock.

Every page that shows a campaign (the public page, the owner's page and dashboard, a supporter's
manage page) and the small JSON endpoint those pages poll take the sentence from here, so they
cannot disagree. The row alone is not enough: `releasing` begins at T - prepare lead (the rows
are made and the firers queued early, see release/due.py), so before T it reads "preparing; the
posts leave at T", and an `open` row whose deadline has passed is being judged, not open.

Phases, in the order a campaign lives through them::

    pending_review / rejected   not public yet (the owner alone sees these)
    open        taking pledges until the deadline        countdown: the deadline
    judging     deadline passed, verdict not yet written
    armed       goal met, waiting for T - prepare lead   countdown: T
    preparing   rows being made, firers queued; before T countdown: T
    releasing   at or after T, posts going out
    released | failed | cancelled                        final
    suspended   held by an admin (open, armed or releasing underneath)

A sentence is a tuple of parts: plain text, and instants (`datetime`, UTC) that a page shows in
the viewer's own time zone and plain text shows as UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, col, select

from amplifier.campaigns.lifecycle import support
from amplifier.campaigns.moderation import is_public, is_suspended
from amplifier.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, ReviewStatus

Part = str | datetime


class Phase(StrEnum):
    PENDING_REVIEW = "pending_review"
    REJECTED = "rejected"
    OPEN = "open"
    JUDGING = "judging"
    ARMED = "armed"
    PREPARING = "preparing"
    RELEASING = "releasing"
    RELEASED = "released"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SUSPENDED = "suspended"


FINAL_PHASES = frozenset({Phase.RELEASED, Phase.FAILED, Phase.CANCELLED})
# the short word a page puts beside the sentence ("Status: preparing")
PHASE_LABELS: dict[Phase, str] = {
    Phase.PENDING_REVIEW: "pending review",
    Phase.REJECTED: "rejected",
    Phase.OPEN: "open",
    Phase.JUDGING: "checking the goal",
    Phase.ARMED: "goal reached",
    Phase.PREPARING: "preparing the release",
    Phase.RELEASING: "releasing",
    Phase.RELEASED: "released",
    Phase.FAILED: "failed",
    Phase.CANCELLED: "cancelled",
    Phase.SUSPENDED: "suspended",
}
_SETTLED = (
    DeliveryStatus.POSTED,
    DeliveryStatus.DELETED,  # went out; its supporter deleted it afterwards
    DeliveryStatus.FAILED,
    DeliveryStatus.UNCONFIRMED,
)
_GONE = "and the access to every supporter's account has been deleted."


@dataclass(frozen=True)
class Counts:
    """The figures a state sentence and a page's counters need; all whole numbers."""

    supporters: int  # active pledges consented to the current message
    goal: int
    reach: int  # their followers, summed
    deliveries: int = 0  # delivery rows made at preparation (0 before it)
    posted: int = 0
    settled: int = 0  # posted, failed or unconfirmed: no longer waiting

    @property
    def progress(self) -> int:
        """Percent of the goal, capped at 100."""
        return min(100, round(100 * self.supporters / self.goal)) if self.goal else 100


@dataclass(frozen=True)
class CampaignState:
    phase: Phase
    parts: tuple[Part, ...]
    countdown_to: datetime | None = None  # the next instant at which the clock alone moves it
    countdown_label: str | None = None  # what happens then: "Pledging closes", "The posts leave"

    @property
    def label(self) -> str:
        return PHASE_LABELS[self.phase]

    @property
    def final(self) -> bool:
        return self.phase in FINAL_PHASES

    @property
    def takes_pledges(self) -> bool:
        return self.phase == Phase.OPEN

    def sentence(self) -> str:
        """The sentence as plain text, instants in UTC (for the CLI, logs and tests)."""
        return "".join(
            f"{p.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if isinstance(p, datetime) else p
            for p in self.parts
        )


def campaign_counts(session: Session, campaign: Campaign) -> Counts:
    """Supporters, reach and the release's delivery rows by outcome: three small queries."""
    assert campaign.id is not None
    supporters, reach = support(session, campaign.id)
    rows = session.exec(
        select(Delivery.status, func.count(col(Delivery.id)))
        .where(Delivery.campaign_id == campaign.id)
        .group_by(col(Delivery.status))
    ).all()
    by_status = {status: int(n) for status, n in rows}
    return Counts(
        supporters=supporters,
        goal=campaign.goal,
        reach=reach,
        deliveries=sum(by_status.values()),
        posted=by_status.get(DeliveryStatus.POSTED, 0) + by_status.get(DeliveryStatus.DELETED, 0),
        settled=sum(by_status.get(s, 0) for s in _SETTLED),
    )


def _people(n: int) -> str:
    return f"{n:,} supporter" if n == 1 else f"{n:,} supporters"


def _posts(n: int) -> str:
    return f"{n:,} post" if n == 1 else f"{n:,} posts"


def campaign_state(
    campaign: Campaign,
    counts: Counts,
    *,
    now: datetime,
    prepare_lead_s: float,
    for_owner: bool = False,
) -> CampaignState:
    """The campaign's phase and its sentence at `now` (aware, UTC).

    `prepare_lead_s` is the deployment's `release_prepare_lead_s`: from T minus it a campaign may
    be `releasing` in the database while no post has left. `for_owner` adds what only the owner
    may read: the review state and an admin's reasons.
    """
    status, deadline, release = campaign.status, campaign.pledge_deadline, campaign.release_at
    if status == CampaignStatus.CANCELLED:
        when: tuple[Part, ...] = (" at ", campaign.cancelled_at) if campaign.cancelled_at else ()
        return CampaignState(
            Phase.CANCELLED,
            ("Cancelled by its organiser", *when, ": nothing is posted, ", _GONE),
        )
    if status == CampaignStatus.FAILED:
        return _failed(campaign, counts, deadline)
    if status == CampaignStatus.RELEASED:
        return _released(counts, release)
    if is_suspended(campaign):
        return _suspended(campaign, for_owner)
    if status == CampaignStatus.OPEN:
        return _open(campaign, counts, now=now, for_owner=for_owner)
    lead_start = release - timedelta(seconds=prepare_lead_s)
    if now < release and (status == CampaignStatus.RELEASING or now >= lead_start):
        return CampaignState(
            Phase.PREPARING,
            (
                "Preparing the release: no post has left yet; every post leaves together at ",
                release,
                ".",
            ),
            release,
            "The posts leave",
        )
    if status == CampaignStatus.ARMED and now < release:
        return CampaignState(
            Phase.ARMED,
            (
                f"The goal was reached ({_people(counts.supporters)} of {counts.goal:,}): every "
                "post goes out together at ",
                release,
                ".",
            ),
            release,
            "The posts leave",
        )
    if counts.deliveries == 0:  # at or past T, before the release has made its rows
        return CampaignState(
            Phase.RELEASING, ("The release is starting now (release time ", release, ").")
        )
    return CampaignState(
        Phase.RELEASING,
        (
            f"The posts are going out now: {counts.posted:,} of {_posts(counts.deliveries)} "
            "published so far (release time ",
            release,
            ").",
        ),
    )


def _open(campaign: Campaign, counts: Counts, *, now: datetime, for_owner: bool) -> CampaignState:
    deadline, release = campaign.pledge_deadline, campaign.release_at
    if campaign.review_status == ReviewStatus.REJECTED and for_owner:
        reason = campaign.review_reason or "no reason given"
        return CampaignState(
            Phase.REJECTED,
            (
                f"Rejected by an admin: {reason}. It is not public and takes no pledges; if it is "
                "not approved by the pledge deadline (",
                deadline,
                ") it fails.",
            ),
        )
    if not is_public(campaign) and for_owner:
        if now >= deadline:
            return CampaignState(
                Phase.JUDGING,
                (
                    "The pledge deadline (",
                    deadline,
                    ") passed before an admin approved it: it "
                    "fails at the next check and nothing is posted.",
                ),
            )
        return CampaignState(
            Phase.PENDING_REVIEW,
            (
                "Pending review: not public yet. The signup link works once an admin approves it; "
                "pledging closes at ",
                deadline,
                " whatever happens.",
            ),
            deadline,
            "Pledging closes",
        )
    if now >= deadline:
        return CampaignState(
            Phase.JUDGING,
            (
                "Pledging closed at ",
                deadline,
                f" with {_people(counts.supporters)} of "
                f"{counts.goal:,}; the goal is being checked. If it was reached, every post goes "
                "out together at ",
                release,
                ".",
            ),
        )
    more = counts.goal - counts.supporters
    need = (
        f"{more:,} more {'supporter' if more == 1 else 'supporters'} needed"
        if more > 0
        else "the goal is already reached"
    )
    return CampaignState(
        Phase.OPEN,
        (
            "Taking pledges until ",
            deadline,
            f" ({need}). If {_people(counts.goal)} have "
            "pledged by then, every post goes out together at ",
            release,
            "; if not, nothing is posted.",
        ),
        deadline,
        "Pledging closes",
    )


def _failed(campaign: Campaign, counts: Counts, deadline: datetime) -> CampaignState:
    if not is_public(campaign):
        return CampaignState(
            Phase.FAILED,
            (
                "Failed: an admin never approved it before its deadline (",
                deadline,
                "), so it was never public and nothing is posted.",
            ),
        )
    return CampaignState(
        Phase.FAILED,
        (
            f"Did not reach its goal: {counts.supporters:,} of {_people(counts.goal)} had "
            "pledged by the deadline (",
            deadline,
            "). Nothing is posted, ",
            _GONE,
        ),
    )


def _released(counts: Counts, release: datetime) -> CampaignState:
    not_posted = counts.deliveries - counts.posted
    rest = f"; {_posts(not_posted)} could not be published" if not_posted > 0 else ""
    if counts.posted == 0 and not_posted > 0:  # nothing "went out together"
        went = (
            "Released at ",
            release,
            f", but none of its {_posts(not_posted)} could be published",
        )
        return CampaignState(Phase.RELEASED, (*went, ". Thank you to everyone who took part."))
    together = " together" if counts.posted > 1 else ""  # one post goes out alone
    return CampaignState(
        Phase.RELEASED,
        (
            f"Released: {_posts(counts.posted)} went out{together} at ",
            release,
            f"{rest}. Thank you to everyone who took part.",
        ),
    )


def _suspended(campaign: Campaign, for_owner: bool) -> CampaignState:
    if for_owner:
        reason = campaign.suspension_reason or "no reason given"
        return CampaignState(
            Phase.SUSPENDED,
            (
                f"Suspended by an admin: {reason}. It takes no pledges, pledges already made are "
                "kept, and the release is held until an admin reinstates it.",
            ),
        )
    return CampaignState(
        Phase.SUSPENDED,
        (
            "Suspended by the site's moderators: it takes no pledges for now and nothing is "
            "posted while it stays suspended; pledges already made are kept.",
        ),
    )
