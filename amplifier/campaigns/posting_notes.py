"""What an owner is told about each platform's posting mode and its cost, on every status read.

Why: a platform may charge per automated post (posting.PostPrice: X's pay-per-use), so a large
campaign has a real price, and the deployment may cap what one campaign may spend
(`budget_per_campaign`). The owner sees the estimate at creation (the goal, as if every
supporter used that platform) and at every read (the pledges so far), and is warned before the
deadline when the cap would be passed; `fall_back_over_budget` applies it at the deadline.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, func, select

from amplifier.campaigns import modes as campaign_modes
from amplifier.models import Campaign, Pledge, PledgeStatus
from amplifier.platforms.posting import PostingMode, usd
from amplifier.platforms.registry import PLATFORMS, label
from amplifier.release import intents


def _pledged(session: Session, campaign_id: int, platform: str) -> int:
    count = session.exec(
        select(func.count(col(Pledge.id))).where(
            Pledge.campaign_id == campaign_id,
            Pledge.platform == platform,
            Pledge.status == PledgeStatus.ACTIVE,
        )
    ).one()
    return int(count)


def estimate(
    campaign: Campaign, platform: str, posts: int, settings: Any
) -> tuple[Decimal, Decimal | None] | None:
    """(cost of `posts` automated posts, the deployment's cap) or None when nothing is charged."""
    declared = PLATFORMS[platform]
    own = declared.settings_of(settings)
    price = declared.price(own)
    if price is None:
        return None
    return price.of(posts, with_link=bool(campaign.link)), declared.budget_per_campaign(own)


def notes(session: Session, campaign: Campaign, settings: Any | None) -> list[str]:
    """One sentence per platform: its mode, and for a priced automated one, the estimates."""
    assert campaign.id is not None
    found: list[str] = []
    for platform in campaign.platform_list:
        mode = campaign_modes.mode_of(campaign, platform)
        name = label(platform)
        found.append(f"{name}: {mode.value}: {mode.owner_words}.")
        if mode is not PostingMode.AUTOMATIC or settings is None:
            continue
        rule = PLATFORMS[platform].similarity_rule(PLATFORMS[platform].settings_of(settings))
        if rule is not None and not campaign.personalisation_allowed:
            found.append(
                f"{name} refuses texts too close to each other from the accounts of one app, "
                "and supporters may not reword this message: only the first can pledge there. "
                f"Allow personalisation, or choose intent mode for {name}."
            )
        pledged = _pledged(session, campaign.id, platform)
        at_goal = estimate(campaign, platform, campaign.goal, settings)
        at_now = estimate(campaign, platform, pledged, settings)
        if at_goal is None or at_now is None:
            continue
        kind = "with a link" if campaign.link else "without a link"
        found.append(
            f"{name} charges per automated post ({kind}): about {usd(at_goal[0])} if "
            f"{_all(campaign.goal)} of the goal pledge there, {usd(at_now[0])} for the "
            f"{pledged} pledged there now."
        )
        cap = at_now[1]
        if cap is not None and at_now[0] > cap:
            found.append(
                f"Over this server's budget of {usd(cap)} per campaign for {name}: unless "
                f"pledges are withdrawn, at the deadline the {name} supporters will not be "
                "posted for automatically; each is mailed a one-tap link to post themselves."
            )
        elif cap is not None and at_goal[0] > cap:
            found.append(
                f"At the goal the {name} cost would pass this server's budget of {usd(cap)} per "
                f"campaign; past it, {name} supporters get a one-tap link instead of a post."
            )
    if intents.intent_platforms(campaign):
        found.append("One-tap links: " + intents.counts(session, campaign.id).sentence())
    return found


def fall_back_over_budget(session: Session, campaign: Campaign, settings: Any) -> list[str]:
    """At the deadline: each automated platform whose cost passes the cap goes to intent mode;
    returns the platforms switched. Their pledges then hold tokens for nothing: dropped later
    with every token when the campaign ends (pledges.forget_tokens)."""
    assert campaign.id is not None
    modes = campaign_modes.decode(campaign.platform_modes)
    switched: list[str] = []
    for platform in campaign.platform_list:
        if campaign_modes.mode_of(campaign, platform) is not PostingMode.AUTOMATIC:
            continue
        if PostingMode.INTENT not in PLATFORMS[platform].posting_modes:
            continue
        found = estimate(campaign, platform, _pledged(session, campaign.id, platform), settings)
        if found is None or found[1] is None or found[0] <= found[1]:
            continue
        modes[platform] = PostingMode.INTENT
        switched.append(platform)
    if switched:
        campaign.platform_modes = campaign_modes.encode(modes)
        session.add(campaign)
        session.flush()
    return switched


def _all(goal: int) -> str:
    """ "the 1 supporter" or "all 1,000 supporters": owners read these sentences as written."""
    return "the 1 supporter" if goal == 1 else f"all {goal:,} supporters"
