"""Posting modes over real HTTP (issue 14): distinct texts, one-tap intents, cost and budget.

The platform with a similarity rule and intent links is found through the registry, as the app
finds it; supporters sign in through the sandbox's real OAuth and the release posts to it.
"""

from __future__ import annotations

import re
from html import escape, unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlmodel import col, select

from amplifier.campaigns import modes as campaign_modes
from amplifier.campaigns.consent import edit_message
from amplifier.campaigns.posting_tables import IntentLink
from amplifier.demo.browser import Supporter, authorize, consent_form, form_token, pledge
from amplifier.models import Campaign, Pledge
from amplifier.notify.tables import OutboxMessage
from amplifier.platforms.posting import PostingMode
from amplifier.platforms.registry import PLATFORMS
from amplifier.release import intents
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from tests import factories
from tests.campaigns.test_consent import _posts, _release_now
from tests.conftest import LiveWeb

LINK = "https://example.org/river"
DEFAULT = f"Protect our river today #River {LINK}"
RULED = next(
    name for name, d in PLATFORMS.items() if PostingMode.INTENT in d.posting_modes
)  # the platform that forbids similar posts and offers intents


@pytest.fixture(autouse=True)
def _similarity_checked(runtime: Runtime) -> None:
    """The check the other tests' settings turn off (tests/conftest.py) is on here."""
    own = PLATFORMS[RULED].settings_of(runtime.settings)
    own.allow_similar_texts = False  # type: ignore[attr-defined]


def _campaign(rt: Runtime, **overrides: Any) -> Campaign:
    values: dict[str, Any] = {
        "personalisation_allowed": True,
        "personal_required": ["#River"],
        "goal": 1,
        "platforms": [RULED],
    }
    values.update(overrides)
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        return factories.campaign(session, owner.owner.id, **values)


def _confirm(web: LiveWeb, slug: str, who: Supporter, text: str) -> requests.Response:
    with requests.Session() as browser:
        consent = authorize(browser, web.url, slug, who)
        assert consent.status_code == 200, consent.text
        assert 'id="distinct-texts"' in consent.text  # the page says texts must differ
        return browser.post(
            f"{web.url}/pledge/confirm", data=consent_form(consent, personal_text=text), timeout=10
        )


def test_a_near_duplicate_is_refused_at_consent_and_a_reworded_one_posted(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    campaign = _campaign(runtime, goal=2)
    assert _confirm(web, campaign.slug, Supporter("ana", RULED, 5), DEFAULT).status_code == 200
    near = f"PROTECT our river today!! 🌊 #River {LINK}"
    refused = _confirm(web, campaign.slug, Supporter("ben", RULED, 5), near)
    assert refused.status_code == 422, refused.text
    assert "Your text cannot be used" in refused.text
    assert escape("write the message in your own words", quote=False) in refused.text
    shown = re.search(r'name="personal_text"[^>]*>(.*?)</textarea>', refused.text, re.S)
    assert shown is not None and unescape(shown.group(1)) == near  # what was typed, kept
    with runtime.db.session() as session:
        assert len(session.exec(select(Pledge)).all()) == 1  # nothing recorded for ben
    own = f"I swam in this river every summer as a kid; it deserves better. #River {LINK}"
    assert _confirm(web, campaign.slug, Supporter("ben", RULED, 5), own).status_code == 200
    _release_now(runtime, campaign.id)
    assert _posts(sandbox) == {"ana": DEFAULT, "ben": own}


def test_a_withdrawn_text_no_longer_blocks_its_like(runtime: Runtime, web: LiveWeb) -> None:
    campaign = _campaign(runtime)
    manage = pledge(web.url, campaign.slug, Supporter("cem", RULED, 5))
    browser, csrf = factories.form_browser(runtime)
    done = browser.post(manage, data={"confirm": "yes", **csrf}, timeout=10)  # withdraw
    assert done.status_code == 200, done.text
    with runtime.db.session() as session:
        assert session.exec(select(Pledge.status)).one() == "withdrawn"
    assert _confirm(web, campaign.slug, Supporter("dan", RULED, 5), DEFAULT).status_code == 200


def _intent_pledge(web: LiveWeb, slug: str, email: str) -> requests.Response:
    with requests.Session() as browser:
        page = browser.get(f"{web.url}/c/{slug}", timeout=10)
        assert page.status_code == 200
        assert "you post it yourself with one tap" in page.text  # the mode, in plain words
        form = re.search(
            rf'<form method="post" action="/c/{slug}/intent".*?</form>', page.text, re.S
        )
        assert form is not None, page.text
        fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))
        fields.update(csrf=form_token(page), email=email)
        return browser.post(f"{web.url}/c/{slug}/intent", data=fields, timeout=10)


def test_intent_mode_mails_a_link_at_t_and_counts_clicks_not_posts(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    campaign = _campaign(
        runtime, platform_modes={RULED: "intent"}, message_text="Protect our river & sea #River"
    )
    done = _intent_pledge(web, campaign.slug, "Eve@Example.org")
    assert done.status_code == 200, done.text
    assert 'id="intent-words"' in done.text
    manage = unescape(re.search(r'id="manage-link" href="([^"]+)"', done.text).group(1))  # type: ignore[union-attr]
    with runtime.db.session() as session:
        (row,) = session.exec(select(Pledge)).all()
        assert row.access_token_enc is None and row.email == "eve@example.org"
    with requests.Session() as browser:  # no sign-in is started for this platform
        page = browser.get(f"{web.url}/c/{campaign.slug}", timeout=10)
        start = browser.post(
            f"{web.url}/c/{campaign.slug}/pledge",
            data={"platform": RULED, "csrf": form_token(page)},
            allow_redirects=False,
            timeout=10,
        )
        assert start.status_code == 409 and "No sign-in needed" in start.text
    early = requests.get(f"{manage}/intent", allow_redirects=False, timeout=10)
    assert early.status_code == 409 and "Nothing was counted" in early.text
    _release_now(runtime, campaign.id)
    assert _posts(sandbox) == {}  # nothing posted by API
    with runtime.db.session() as session:
        (mail,) = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "intent_at_release")
        ).all()
        stored = session.get(Campaign, campaign.id)
        assert stored is not None
        assert mail.recipient == "eve@example.org" and mail.not_before == stored.release_at
    page = requests.get(manage, timeout=10)
    assert 'id="intent-button"' in page.text
    for _ in range(2):
        hop = requests.get(f"{manage}/intent", allow_redirects=False, timeout=10)
        assert hop.status_code == 303
        target = urlsplit(hop.headers["location"])
        query = parse_qs(target.query)
        assert (target.netloc, target.path) == ("x.com", "/intent/tweet")
        assert f"{query['text'][0]} {query['url'][0]}" == f"Protect our river & sea #River {LINK}"
    with runtime.db.session() as session:
        counts = intents.counts(session, campaign.id)  # type: ignore[arg-type]
        (link,) = session.exec(select(IntentLink)).all()
    assert (counts.pledged, counts.sent, counts.clicked, link.clicks) == (1, 1, 1, 2)
    assert "no click is counted as a post" in counts.sentence()
    owner_view = requests.get(f"{web.url}/api/campaigns/{campaign.id}/intents", timeout=10)
    assert owner_view.status_code == 401  # the owner's only


def test_the_owner_sees_the_cost_and_the_budget_falls_back_to_intents(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    own = PLATFORMS[RULED].settings_of(runtime.settings)
    own.budget_per_campaign_usd = own.price_per_post_with_url_usd  # one post's worth
    campaign = _campaign(runtime, goal=2)
    with runtime.db.session() as session:
        owner_token = factories.owner(session, name="Cost").token
    created = requests.post(
        f"{web.url}/api/campaigns",
        headers={"Authorization": f"Bearer {owner_token}"},
        json=factories.payload(platforms=[RULED], goal=10_000),
        timeout=10,
    )
    assert created.status_code == 201, created.text
    notes = " ".join(created.json()["posting_notes"])
    assert "$2,000.00 if all 10,000 supporters" in notes  # 10,000 x $0.20 with a link
    assert "At the goal" in notes and "budget of $0.20" in notes
    pledge(web.url, campaign.slug, Supporter("fay", RULED, 5))
    own_text = f"My grandmother fished here for sixty years. Keep it alive. #River {LINK}"
    assert _confirm(web, campaign.slug, Supporter("gus", RULED, 5), own_text).status_code == 200
    _release_now(runtime, campaign.id)
    assert _posts(sandbox) == {}  # over budget at the deadline: nobody posted by API
    with runtime.db.session() as session:
        judged = session.get(Campaign, campaign.id)
        assert judged is not None
        assert campaign_modes.mode_of(judged, RULED) is PostingMode.INTENT
        assert len(session.exec(select(IntentLink)).all()) == 2
        counts = intents.counts(session, campaign.id)  # type: ignore[arg-type]
    assert (counts.pledged, counts.sent) == (2, 0)  # no address given: the manage page's button


def test_modes_are_checked_at_creation(runtime: Runtime, web: LiveWeb) -> None:
    with runtime.db.session() as session:
        token = factories.owner(session).token
    bad = requests.post(
        f"{web.url}/api/campaigns",
        headers={"Authorization": f"Bearer {token}"},
        json=factories.payload(platform_modes={RULED: "sometimes"}),
        timeout=10,
    )
    assert bad.status_code == 422 and "offers automatic, intent, off" in bad.text
    off = requests.post(
        f"{web.url}/api/campaigns",
        headers={"Authorization": f"Bearer {token}"},
        json=factories.payload(platform_modes={RULED: "off"}),
        timeout=10,
    )
    assert off.status_code == 201, off.text
    assert RULED not in off.json()["platforms"]


@pytest.mark.parametrize("mode", ["automatic", "intent"])
def test_the_campaign_page_says_what_happens(runtime: Runtime, web: LiveWeb, mode: str) -> None:
    campaign = _campaign(runtime, platform_modes={RULED: mode})
    page = requests.get(f"{web.url}/c/{campaign.slug}", timeout=10)
    words = PostingMode(mode).words
    assert escape(words, quote=False) in page.text


def test_a_reconsent_is_held_to_the_same_rule(runtime: Runtime, web: LiveWeb) -> None:
    campaign = _campaign(runtime, goal=2)
    first = f"I swam in this river every summer as a kid; it deserves better. #River {LINK}"
    assert _confirm(web, campaign.slug, Supporter("hal", RULED, 5), first).status_code == 200
    manage = pledge(web.url, campaign.slug, Supporter("ida", RULED, 5))  # the message itself
    with runtime.db.session() as session:
        row = session.get(Campaign, campaign.id)
        assert row is not None
        edit_message(session, row, "Protect the river now #River", LINK, prepare_lead_s=60)
    with requests.Session() as browser:
        page = browser.get(manage, timeout=10)
        copy = f"I SWAM in this river every summer as a kid, it deserves better! #River {LINK}"
        answer = browser.post(
            f"{manage}/reconsent", data=consent_form(page, personal_text=copy), timeout=10
        )
    assert answer.status_code == 422, answer.text
    assert "write the message in your own words" in answer.text
    with runtime.db.session() as session:
        ida = session.exec(select(Pledge).where(col(Pledge.handle).contains("ida"))).one()
        assert ida.consented_version == 1  # the earlier consent stands
