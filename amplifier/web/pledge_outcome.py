"""What became, or becomes, of one supporter's post: the manage page's outcome sentence.

Built from the pledge, its delivery row (once the release made one) and the campaign's state
(`campaign_state`), so the manage page and the state endpoint it polls say the same thing.
"""

from __future__ import annotations

from amplifier.campaigns.state import CampaignState, Phase
from amplifier.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    Pledge,
    PledgeStatus,
)
from amplifier.web.rendering import platform_site, supporter_status
from amplifier.web.sentence import Link, Part
from amplifier.web.supporter_common import safe_link

SUSPENDED_WORDS = (
    "This campaign has been suspended by the service's moderators; your pledge is kept, and "
    "nothing is posted unless it is reinstated."
)


def status_word(pledge: Pledge, delivery: Delivery | None, campaign: Campaign | None = None) -> str:
    """The one status word beside the account: the post's fate once it has one; for a pledge
    whose campaign ended without a release, that nothing will be posted."""
    if (
        delivery is None
        and campaign is not None
        and pledge.status == PledgeStatus.ACTIVE
        and campaign.status in (CampaignStatus.FAILED, CampaignStatus.CANCELLED)
    ):
        return "not posted"
    return supporter_status(pledge.status, delivery.status if delivery is not None else None)


def pledge_outcome(
    pledge: Pledge, delivery: Delivery | None, campaign: Campaign, state: CampaignState
) -> tuple[Part, ...]:
    """The outcome sentence; `state` is the campaign's for the supporter (not the owner)."""
    label = platform_site(pledge.platform)
    if delivery is not None:
        return _delivered(delivery, label, campaign, state)
    if pledge.status == PledgeStatus.WITHDRAWN:
        when: tuple[Part, ...] = (" at ", pledge.withdrawn_at) if pledge.withdrawn_at else ()
        return (
            "You withdrew this pledge",
            *when,
            ": nothing will be posted from your account, and the access amplifier held to it "
            "is deleted.",
        )
    phase = state.phase
    if phase == Phase.SUSPENDED:
        return (SUSPENDED_WORDS,)
    if phase == Phase.OPEN:
        return (
            f"If {campaign.goal} people have pledged by ",
            campaign.pledge_deadline,
            ", your post goes out at ",
            campaign.release_at,
            ".",
        )
    if phase == Phase.JUDGING:
        return (
            "Pledging has closed and the goal is being checked; if it was reached, your post "
            "goes out at ",
            campaign.release_at,
            ".",
        )
    if phase in (Phase.ARMED, Phase.PREPARING):
        return ("The goal was reached: your post goes out at ", campaign.release_at, ".")
    if phase == Phase.FAILED:
        return (
            "The campaign did not reach its goal, so nothing was posted from your account and "
            "the access amplifier held to it is deleted.",
        )
    if phase == Phase.CANCELLED:
        return (
            "The campaign was cancelled by its organiser, so nothing was posted from your "
            "account and the access amplifier held to it is deleted.",
        )
    return ("No post was made from this pledge.",)


def _clause(error: str | None) -> str:
    """A platform's reason as the middle of our sentence: its own final full stop dropped, so
    the page never says "application.. Nothing else"."""
    return (error or "").rstrip().rstrip(".") or "the platform refused it"


def _delivered(
    delivery: Delivery, label: str, campaign: Campaign, state: CampaignState
) -> tuple[Part, ...]:
    status = delivery.status
    if status == DeliveryStatus.POSTED:
        when: tuple[Part, ...] = (" at ", delivery.finished_at) if delivery.finished_at else ()
        url = safe_link(delivery.remote_url)
        link: tuple[Part, ...] = (": ", Link(url, f"see it on {label}")) if url else ()
        return ("Your post went out", *when, *link, ".")
    if status == DeliveryStatus.FAILED:
        return (
            f"Your post could not be published: {_clause(delivery.error)}. "
            "Nothing else will be tried from your account.",
        )
    if status == DeliveryStatus.UNCONFIRMED:
        why = f" ({delivery.error})" if delivery.error else ""
        return (
            f"{label} did not confirm whether your post went out{why}. Look at your account: "
            "amplifier never sends it twice.",
        )
    if status == DeliveryStatus.DELETED:
        return (f"Your post went out, and you deleted it from {label} afterwards.",)
    if status == DeliveryStatus.SENDING:
        return ("Your post is being sent right now.",)
    if state.phase == Phase.SUSPENDED:
        return (SUSPENDED_WORDS,)
    retry_at = delivery.not_before
    if retry_at is not None and retry_at > campaign.release_at:  # a try at T did not go through
        why = f" ({delivery.error})" if delivery.error else ""
        return ("The first try did not go through", why, "; it is tried again at ", retry_at, ".")
    return ("Your post is waiting to be sent at ", campaign.release_at, ".")
