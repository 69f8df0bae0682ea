"""What amplifier tells campaign owners about each platform: limits and rules, in words.

Facts from the platforms' documentation (X: "Counting characters", "Rate limits", "Automation
rules"; Mastodon: "statuses API methods", "Instance", "Rate limits"). Numbers change: the
platforms' pages are the authority.
"""

from __future__ import annotations

from dataclasses import dataclass

from .text import MASTODON_DEFAULT_MAX, X_MAX_WEIGHTED


@dataclass(frozen=True)
class PlatformInfo:
    name: str
    label: str
    max_text: str
    rules: str


PLATFORMS: dict[str, PlatformInfo] = {
    "x": PlatformInfo(
        name="x",
        label="X",
        max_text=(
            f"{X_MAX_WEIGHTED} weighted characters: most Latin-script characters count 1, "
            "CJK characters and emoji count 2, every link counts 23."
        ),
        rules=(
            "X's automation rules forbid posting identical or substantially similar content "
            "from many accounts, even when scheduled, and X refuses an account's duplicate of "
            "its own recent post: give supporters room to personalise the text. Publishing "
            "(POST /2/tweets) is rate-limited per user and per app; X's current table lists "
            "100 posts per 15 minutes per user and 10,000 per 24 hours per app, and lower tiers "
            "have had far lower caps: check the app's limits in the X Developer Console before a "
            "large release. Access tokens last 2 hours and are refreshed before the release."
        ),
    ),
    "mastodon": PlatformInfo(
        name="mastodon",
        label="Mastodon",
        max_text=(
            f"{MASTODON_DEFAULT_MAX} characters by default; each server sets its own limit. "
            "Every link counts 23, and a mention @user@server counts as @user."
        ),
        rules=(
            "Each server has its own rules and moderators: many frown on identical posts from "
            "many accounts, so let supporters adapt the text. The API allows 300 requests per "
            "5 minutes per account by default (servers may change it); a supporter's post is "
            "sent once with an Idempotency-Key, which the server remembers for about an hour."
        ),
    ),
}
