"""How a campaign's supporters take part on one platform, and what that costs: platform-free.

Why: a platform may forbid what amplifier does by default (one app posting the same text from
many accounts), or charge for every post. Its declaration says so once, in these terms, and the
campaign rules, the consent page, the release and the owner's estimates ask the declaration:

- `PostingMode`: per campaign and platform, posted automatically at T (`AUTOMATIC`), a one-tap
  link mailed at T that the supporter posts themselves (`INTENT`), or not used (`OFF`);
- `SimilarityRule`: the platform forbids substantially similar texts from the accounts of one
  app, so each text pledged there must differ enough from every other (`amplifier/similarity.py`
  measures it; the threshold is a deployment setting);
- `PostPrice`: what one automated post costs the deployment, with and without a link (USD).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class PostingMode(StrEnum):
    """How the supporters of one campaign take part on one platform."""

    AUTOMATIC = "automatic"  # posted by the platform's API at T (distinct texts if it says so)
    INTENT = "intent"  # nothing posted by API: each supporter is mailed a one-tap link at T
    OFF = "off"  # the campaign does not use this platform

    @property
    def words(self) -> str:
        """What will happen, told to a supporter, in one sentence."""
        return MODE_WORDS[self]

    @property
    def owner_words(self) -> str:
        """The same, told to the campaign's owner (of their supporters, not of "you")."""
        return OWNER_MODE_WORDS[self]


MODE_WORDS = {
    PostingMode.AUTOMATIC: "your post is published automatically from your account at the "
    "release time",
    PostingMode.INTENT: "nothing is posted for you: at the release time you are mailed a link "
    "that opens the platform with your text ready, and you post it yourself with one tap",
    PostingMode.OFF: "this campaign does not post there",
}

OWNER_MODE_WORDS = {
    PostingMode.AUTOMATIC: "each supporter's post is published automatically from their own "
    "account at the release time",
    PostingMode.INTENT: "nothing is posted by amplifier: at the release time each supporter is "
    "mailed a link that opens the platform with their text ready, and posts it with one tap",
    PostingMode.OFF: "the campaign does not post there",
}


@dataclass(frozen=True)
class SimilarityRule:
    """The platform forbids substantially similar posts from the accounts one app posts for.

    `threshold`: two texts whose similarity (`amplifier.campaigns.similarity.similarity`,
    0-1) is at least this are too close. `source`: the policy's address, shown to owners.
    """

    threshold: float
    source: str

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"a similarity threshold is in (0, 1], not {self.threshold}")


@dataclass(frozen=True)
class PostPrice:
    """What one automated post costs the deployment, in US dollars (`source`: the price page)."""

    per_post: Decimal
    per_post_with_link: Decimal
    source: str

    def of(self, posts: int, *, with_link: bool) -> Decimal:
        return (self.per_post_with_link if with_link else self.per_post) * posts


def usd(amount: Decimal) -> str:
    """`$1,234.50`: an estimate to the cent."""
    return f"${amount.quantize(Decimal('0.01')):,}"
