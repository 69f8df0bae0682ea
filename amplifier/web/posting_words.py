"""What the campaign and consent pages say about a platform's posting mode, in plain words."""

from __future__ import annotations

from typing import Any

from amplifier.campaigns import consent_similarity
from amplifier.campaigns import modes as campaign_modes
from amplifier.models import Campaign, Pledge
from amplifier.platforms.posting import PostingMode
from amplifier.platforms.registry import label
from amplifier.release import intents
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.supporter_links import manage_path


def distinct_note(campaign: Campaign, platform: str, rt: Runtime) -> str:
    """The consent page's sentence where texts must differ; "" elsewhere."""
    rule = consent_similarity.rule_for(campaign, platform, rt.settings)
    if rule is None:
        return ""
    name = label(platform)
    own = (
        "Reword the text in the box in your own words before you confirm"
        if campaign.personalisation_allowed
        else "Only the first supporter can pledge the organiser's text unchanged"
    )
    return (
        f"{name} forbids one app to post substantially similar texts from many accounts, so "
        f"every {name} supporter of this campaign posts their own text: a text too close to one "
        f"already pledged is refused, and you are told what to change. {own}."
    )


def mode_lines(campaign: Campaign, rt: Runtime) -> list[tuple[str, str, bool]]:
    """(platform label, what happens there, whether a one-tap link replaces posting)."""
    lines = []
    for p in campaign.platform_list:
        mode = campaign_modes.mode_of(campaign, p)
        words = mode.words
        if consent_similarity.rule_for(campaign, p, rt.settings) is not None:
            words += ", in your own words: a text too close to another supporter's is refused"
        lines.append((label(p), words, mode is PostingMode.INTENT))
    return lines


def intent_button(rt: Runtime, campaign: Campaign, pledge: Pledge) -> dict[str, Any]:
    """The manage page's one-tap button (from T on), or the sentence saying when it comes."""
    if not intents.is_intent(campaign, pledge.platform):
        return {"intent_url": None, "intent_later": None}
    name = label(pledge.platform)
    if intents.available(campaign, pledge, utcnow()):
        assert pledge.id is not None
        return {
            "intent_url": manage_path(rt, pledge.id) + "/intent",
            "intent_label": f"Post it on {name} now",
            "intent_later": None,
        }
    return {
        "intent_url": None,
        "intent_later": f"Nothing is posted for you on {name}: from the release time this page "
        f"has a button that opens {name} with your text ready, and you post it with one tap.",
    }
