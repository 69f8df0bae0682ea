"""The demo's posting modes (issue 14): distinct texts where a platform forbids similar ones,
one near-duplicate refused and corrected, and a second campaign in intent mode whose one-tap
links land in the development mailbox.

Platform-free like the rest of the demo: the platform with a similarity rule is found through
the registry.
"""

from __future__ import annotations

import random
import re
from html import unescape
from typing import Any

import requests

from amplifier.demo.browser import PledgeFailed, Supporter, authorize, consent_form, form_token
from amplifier.platforms.posting import PostingMode
from amplifier.platforms.registry import PLATFORMS

HASHTAG = "#LibraryLate"
LINK = "https://example.org/library-late"
MESSAGE = f"Keep our library open in the evenings! {HASHTAG}"
REASONS = (
    "I revised for every exam in its reading room after my late shift.",
    "My kids do their homework there while I work nights.",
    "It is the only warm quiet place in town after six in winter.",
    "Ninety people used the computers after seven last Tuesday.",
    "My grandfather learned to read English at its evening classes.",
    "Job seekers need its free internet when the day's work is done.",
    "Write to your councillor before Friday's budget vote.",
    "A town that closes its books at dusk is telling us something.",
    "Shift workers pay taxes too, and deserve opening hours they can use.",
    "I met half my friends at the Thursday night chess club there.",
    "Teenagers need somewhere safe to be on dark evenings.",
    "Carers like me only get free time once the house is asleep.",
    "Our local history archive is used mostly by retirees after dinner.",
    "The book club has met there on Wednesdays for thirty years.",
    "Students without a desk at home study there until closing.",
    "New arrivals practise their language with volunteers at night.",
    "Cutting hours saves little money and loses a lot of trust.",
    "Every evening hour there is cheaper than any alternative we have.",
    "Libraries are the last indoor place you can stay without paying.",
    "I borrowed my first coding book there and now it is my job.",
)
_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "te", "vi", "do", "pa", "re", "su")


def ruled_platform() -> str | None:
    """The registered platform that forbids similar texts and offers intents, if any."""
    for name, declared in PLATFORMS.items():
        if PostingMode.INTENT in declared.posting_modes:
            return name
    return None


def own_text(index: int) -> str:
    """Supporter `index`'s own words (after the first, who posts the owner's text unchanged);
    past the written reasons, made-up words stand in for theirs."""
    if index == 0:
        return f"{MESSAGE} {LINK}"
    if index <= len(REASONS):
        return f"{REASONS[index - 1]} {HASHTAG} {LINK}"
    rng = random.Random(index)
    words = ["".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize() for _ in range(10)]
    return f"{' '.join(words)}. {HASHTAG} {LINK}"


def with_own_texts(people: list[Supporter], platform: str | None) -> list[Supporter]:
    """Give the supporters of `platform` their own texts."""
    n = 0
    for who in people:
        if who.platform == platform:
            who.text = own_text(n)
            n += 1
    return people


def near_duplicate_refused_then_corrected(web_url: str, slug: str, who: Supporter) -> str:
    """`who` first submits the owner's text dressed up (case, emoji, order): refused with the
    reason; then their own words: accepted. Returns the refusal's first reason."""
    copy = f"KEEP OUR LIBRARY OPEN IN THE EVENINGS 📚🙏 {HASHTAG} {LINK}"
    with requests.Session() as browser:
        consent = authorize(browser, web_url, slug, who)
        refused = browser.post(
            f"{web_url}/pledge/confirm", data=consent_form(consent, personal_text=copy), timeout=30
        )
        if refused.status_code != 422:
            raise PledgeFailed("a near-duplicate was not refused", refused)
        reason = re.search(r'id="personal-problems".*?<li>(.*?)</li>', refused.text, re.S)
        form = consent_form(refused, personal_text=who.text)
        done = browser.post(f"{web_url}/pledge/confirm", data=form, timeout=30)
        if done.status_code != 200:
            raise PledgeFailed("the corrected text", done)
    return unescape(reason.group(1)) if reason else ""


def intent_campaign(payload: dict[str, Any], platform: str) -> dict[str, Any]:
    """A second campaign, the same release, `platform` in intent mode."""
    return {
        **payload,
        "title": "Light up the library: one tap",
        "platforms": [platform],
        "platform_modes": {platform: PostingMode.INTENT.value},
        "goal": 2,
    }


def pledge_by_email(web_url: str, slug: str, email: str) -> None:
    """The campaign page's intent form, as a browser sends it."""
    with requests.Session() as browser:
        page = browser.get(f"{web_url}/c/{slug}", timeout=30)
        form = re.search(
            rf'<form method="post" action="/c/{slug}/intent".*?</form>', page.text, re.S
        )
        if form is None:
            raise PledgeFailed("no intent form on the campaign page", page)
        fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))
        fields.update(csrf=form_token(page), email=email)
        done = browser.post(f"{web_url}/c/{slug}/intent", data=fields, timeout=30)
        if done.status_code != 200:
            raise PledgeFailed("intent pledge", done)
