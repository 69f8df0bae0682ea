"""At consent, refuse a text too close to one already pledged where the platform forbids it.

Why: a platform's declaration may carry a `SimilarityRule` (X's automation rules forbid
substantially similar posts from the accounts of one app, with suspension of the app). For a
campaign posting there automatically, every pledged text is fingerprinted (`TextBand`: its MinHash
LSH bands, `similarity.py`); a new text is compared exactly only with the pledged texts sharing
one of its bands, found through one indexed query, so a consent costs about the same at 100,000
pledges as at 10 (bench/similarity.py measures it).

Concurrency: on PostgreSQL the check locks the campaign's row (`FOR UPDATE`) until the pledge is
recorded, so two near-identical consents at the same instant are judged one after the other;
SQLite serialises writers by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from amplifier.campaigns import modes as campaign_modes
from amplifier.campaigns.posting_tables import TextBand
from amplifier.campaigns.similarity import HASHER, jaccard, shingles
from amplifier.models import Campaign, Pledge, PledgeStatus
from amplifier.platforms.posting import PostingMode, SimilarityRule
from amplifier.platforms.registry import PLATFORMS, label


@dataclass(frozen=True)
class TooClose:
    """The closest pledged text's similarity, and what to tell the supporter."""

    similarity: float
    threshold: float

    def problems(self, platform_label: str) -> list[str]:
        return [
            f"This text is {self.similarity:.0%} the same as one another supporter already "
            f"pledged for {platform_label} (at most {self.threshold:.0%} is allowed here, after "
            "ignoring case, punctuation, emoji, hashtag signs and word order). "
            f"{platform_label} forbids posting substantially similar texts from many accounts, "
            "so write the message in your own words: say why it matters to you, and change "
            "more than reordering, hashtags, emoji or a word or two."
        ]


def rule_for(campaign: Campaign, platform: str, settings: Any) -> SimilarityRule | None:
    """The similarity rule binding this campaign on `platform`: only where it posts by API."""
    declared = PLATFORMS.get(platform)
    if declared is None or campaign_modes.mode_of(campaign, platform) is not PostingMode.AUTOMATIC:
        return None
    return declared.similarity_rule(declared.settings_of(settings))


def too_close(
    session: Session,
    campaign: Campaign,
    platform: str,
    text: str,
    rule: SimilarityRule,
    *,
    pledge_id: int | None = None,
) -> TooClose | None:
    """The closest active pledged text at or over the threshold, else None (`pledge_id`: the
    supporter's own earlier pledge, not compared with itself)."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(Campaign.id).where(Campaign.id == campaign.id).with_for_update())
    pieces = shingles(text)
    keys = HASHER.bands(pieces)
    candidates = select(TextBand.pledge_id).where(
        TextBand.campaign_id == campaign.id,
        TextBand.platform == platform,
        col(TextBand.band).in_(keys),
    )
    rows = session.exec(
        select(Pledge.id, Pledge.post_text).where(
            col(Pledge.id).in_(candidates.distinct()),
            Pledge.status == PledgeStatus.ACTIVE,
        )
    ).all()
    worst = 0.0
    for other_id, other_text in rows:
        if other_id == pledge_id:
            continue
        worst = max(worst, jaccard(pieces, shingles(other_text)))
    if worst >= rule.threshold:
        return TooClose(worst, rule.threshold)
    return None


def refusal(
    session: Session,
    campaign: Campaign,
    platform: str,
    text: str,
    settings: Any,
    *,
    pledge_id: int | None = None,
) -> list[str]:
    """The consent page's problems for `text` ([] when it may be pledged); `pledge_id`: the
    pledge consenting again, not compared with its own earlier text."""
    rule = rule_for(campaign, platform, settings)
    if rule is None:
        return []
    found = too_close(session, campaign, platform, text, rule, pledge_id=pledge_id)
    return found.problems(label(platform)) if found is not None else []


def remember(session: Session, pledge: Pledge, campaign: Campaign, settings: Any) -> None:
    """Fingerprint a pledged text (replacing an earlier one of the same pledge)."""
    if rule_for(campaign, pledge.platform, settings) is None:
        return
    assert pledge.id is not None and campaign.id is not None
    session.execute(sa.delete(TextBand).where(col(TextBand.pledge_id) == pledge.id))
    session.execute(
        sa.insert(TextBand),
        [
            {
                "campaign_id": campaign.id,
                "platform": pledge.platform,
                "pledge_id": pledge.id,
                "band": key,
            }
            for key in HASHER.bands(shingles(pledge.post_text))
        ],
    )


def forget_campaign(session: Session, campaign_id: int) -> None:
    """The fingerprints go when the campaign can no longer take pledges."""
    session.execute(sa.delete(TextBand).where(col(TextBand.campaign_id) == campaign_id))
