"""Personal texts over real HTTP: accepted exactly as written, or refused with the reason shown.

Each supporter signs in through the sandbox's real OAuth; a refused text is shown again in the
form with the reason, and nothing is recorded.
"""

from __future__ import annotations

import re
from html import escape, unescape
from typing import Any

import pytest
import requests
from sqlmodel import select

from amplifier.campaigns.consent import edit_message
from amplifier.demo.browser import Supporter, authorize, consent_form, pledge
from amplifier.models import Campaign, Pledge
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from tests import factories
from tests.campaigns.test_consent import _posts, _release_now
from tests.conftest import LiveWeb

LINK = "https://example.org/river"
DEFAULT = f"Protect our river today #River {LINK}"


def _campaign(rt: Runtime, **overrides: Any) -> Campaign:
    settings: dict[str, Any] = {
        "personalisation_allowed": True,
        "personal_required": ["#River"],
        "personal_max_length": 200,
        "goal": 1,
    }
    settings.update(overrides)
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        return factories.campaign(session, owner.owner.id, **settings)


def _consent_with(
    web: LiveWeb, slug: str, who: Supporter, text: str | None
) -> tuple[requests.Response, requests.Response]:
    """(the consent page, the answer to confirming it with `text` as the personal text)."""
    with requests.Session() as browser:
        consent = authorize(browser, web.url, slug, who)
        assert consent.status_code == 200, consent.text
        answer = browser.post(
            f"{web.url}/pledge/confirm", data=consent_form(consent, personal_text=text), timeout=10
        )
    return consent, answer


def _pledges(rt: Runtime) -> list[Pledge]:
    with rt.db.session() as session:
        return list(session.exec(select(Pledge)))


def test_a_personal_text_keeping_the_rules_is_posted_exactly(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    campaign = _campaign(runtime)
    mine = f"Our river is where I learned to swim.\nPlease help: #River {LINK}"
    consent, answer = _consent_with(web, campaign.slug, Supporter("hana", "x", 5), mine)
    assert 'name="personal_text"' in consent.text and "“#River”" in consent.text
    assert answer.status_code == 200, answer.text
    (row,) = _pledges(runtime)
    assert (row.post_text, row.personalised, row.consented_version) == (mine, True, 1)
    _release_now(runtime, campaign.id)
    assert _posts(sandbox) == {"hana": mine}


def test_the_unchanged_message_is_not_counted_as_personal(runtime: Runtime, web: LiveWeb) -> None:
    campaign = _campaign(runtime)
    pledge(web.url, campaign.slug, Supporter("ivan", "x", 5))  # sends the prefilled textarea
    (row,) = _pledges(runtime)
    assert (row.post_text, row.personalised) == (DEFAULT, False)


def test_without_personalisation_a_submitted_text_is_ignored(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign = _campaign(runtime, personalisation_allowed=False)
    consent, answer = _consent_with(
        web, campaign.slug, Supporter("jo", "x", 5), f"Something else #River {LINK}"
    )
    assert 'name="personal_text"' not in consent.text
    assert answer.status_code == 200
    (row,) = _pledges(runtime)
    assert (row.post_text, row.personalised) == (DEFAULT, False)


REFUSALS = [
    ("missing hashtag", f"Please save it {LINK}", "“#River”"),
    ("missing link", "Please save it #River", f"“{LINK}”"),
    ("too long", f"#River {LINK} " + "a" * 200, "at most 200 characters"),
    ("X weighted too long", f"#River {LINK} " + "水" * 140, "X allows 280 weighted characters"),
    ("control character", f"Please\x07 save it #River {LINK}", "character 7 is U+0007 (BELL)"),
    (
        "bidi override",
        f"Please \u202esave it #River {LINK}",
        "character 8 is U+202E (RIGHT-TO-LEFT OVERRIDE)",
    ),
]


@pytest.mark.parametrize(("case", "text", "reason"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_personal_text_breaking_a_rule_is_refused_with_the_reason(
    runtime: Runtime, web: LiveWeb, case: str, text: str, reason: str
) -> None:
    campaign = _campaign(runtime)
    _, answer = _consent_with(web, campaign.slug, Supporter("kai", "x", 5), text)
    assert answer.status_code == 422, (case, answer.text)
    assert "Your text cannot be used" in answer.text
    assert escape(reason, quote=False) in answer.text
    shown = re.search(r'name="personal_text"[^>]*>(.*?)</textarea>', answer.text, re.S)
    assert shown is not None and unescape(shown.group(1)) == text  # their words, kept
    assert _pledges(runtime) == []
    retry = consent_form(answer, personal_text=f"Save our river #River {LINK}")
    # the same sign-in can still be confirmed once the text is fixed
    assert retry["state"] and retry["version"] == "1"


def test_a_mastodon_text_must_fit_the_supporters_own_server(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    server = sandbox.mastodon_urls[1]
    requests.post(f"{server}/_sandbox/faults", json={"max_characters": 60}, timeout=5)
    campaign = _campaign(runtime)
    long_text = "Rivers matter to all of us, every single day. #River " + LINK  # 53 + 23 = 76
    who = Supporter("lou", "mastodon", 5, instance=server)
    _, answer = _consent_with(web, campaign.slug, who, long_text)
    assert answer.status_code == 422
    assert "This Mastodon server allows 60 characters" in answer.text
    assert _pledges(runtime) == []


def test_reconsent_accepts_a_personal_text_and_refuses_a_broken_one(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign = _campaign(runtime)
    manage = pledge(web.url, campaign.slug, Supporter("max", "x", 5))
    with runtime.db.session() as session:
        row = session.get(Campaign, campaign.id)
        assert row is not None
        edit_message(session, row, "Protect our river now #River", LINK, prepare_lead_s=60)
    with requests.Session() as browser:
        page = browser.get(manage, timeout=5)
        action = re.search(r'action="([^"]+/reconsent)"', page.text)
        assert action is not None
        url = f"{web.url}{unescape(action.group(1))}"
        broken = browser.post(url, data=consent_form(page, personal_text="No tag " + LINK))
        assert broken.status_code == 422 and "“#River”" in broken.text
        assert _pledges(runtime)[0].consented_version == 1
        mine = f"I grew up by this river #River {LINK}"
        done = browser.post(url, data=consent_form(broken, personal_text=mine), timeout=5)
        assert done.status_code == 200, done.text
    (row_after,) = _pledges(runtime)
    assert (row_after.post_text, row_after.personalised, row_after.consented_version) == (
        mine,
        True,
        2,
    )


# --- the consent page's wording, the box's limit, and wording kept across an edit -------------

_BOX = re.compile(r'<textarea id="personal-text"[^>]*maxlength="(\d+)"[^>]*>(.*?)</textarea>', re.S)


def _box(page: requests.Response) -> tuple[int, str]:
    """(the box's maxlength, the text it is prefilled with)."""
    found = _BOX.search(page.text)
    assert found is not None, page.text
    return int(found.group(1)), unescape(found.group(2))


def _consent_page(web: LiveWeb, slug: str, who: Supporter) -> tuple[requests.Session, Any]:
    browser = requests.Session()
    consent = authorize(browser, web.url, slug, who)
    assert consent.status_code == 200, consent.text
    return browser, consent


def test_the_consent_page_says_the_text_in_the_box_is_what_is_posted(
    runtime: Runtime, web: LiveWeb
) -> None:
    """With personalisation, "exactly this" above a text the supporter may then rewrite misled."""
    free = _campaign(runtime)
    fixed = _campaign(runtime, personalisation_allowed=False)
    own_page = unescape(_consent_page(web, free.slug, Supporter("pia", "x", 5))[1].text)
    exact_page = unescape(_consent_page(web, fixed.slug, Supporter("quo", "x", 5))[1].text)
    assert "post exactly this" not in own_page
    assert "You may put it in your own words" not in own_page
    assert "the text in the box below" in own_page and "you may reword it" in own_page
    assert "post exactly this" in exact_page and "the text in the box" not in exact_page


def test_the_box_takes_the_owners_maximum(runtime: Runtime, web: LiveWeb) -> None:
    campaign = _campaign(runtime, personal_max_length=120)
    _, consent = _consent_page(web, campaign.slug, Supporter("rui", "x", 5))
    assert _box(consent) == (120, DEFAULT)
    assert "at most 120 characters" in consent.text


def test_without_an_owners_maximum_the_box_takes_the_platforms_limit(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    """Not the service's 5,000: the platform's limit, widened by the link's characters beyond
    the 23 the platform counts for it, so a text that fits the platform is never cut."""
    campaign = _campaign(runtime, personal_max_length=None)
    _, on_x = _consent_page(web, campaign.slug, Supporter("sol", "x", 5))
    assert _box(on_x)[0] == 280 + len(LINK) - 23
    assert "within your platform's limit of 280 characters" in on_x.text
    server = sandbox.mastodon_urls[1]
    requests.post(f"{server}/_sandbox/faults", json={"max_characters": 90}, timeout=5)
    who = Supporter("tea", "mastodon", 5, instance=server)
    _, on_mastodon = _consent_page(web, campaign.slug, who)
    assert _box(on_mastodon)[0] == 90 + len(LINK) - 23


def test_the_box_has_a_live_character_count_from_a_static_script(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign = _campaign(runtime)
    _, consent = _consent_page(web, campaign.slug, Supporter("uma", "x", 5))
    assert 'id="personal-count"' in consent.text
    assert '<script src="/static/personal-text.js" defer></script>' in consent.text
    script = requests.get(f"{web.url}/static/personal-text.js", timeout=5)
    assert script.status_code == 200 and "personal-count" in script.text
    fixed = _campaign(runtime, personalisation_allowed=False)
    _, plain = _consent_page(web, fixed.slug, Supporter("vic", "x", 5))
    assert "personal-text.js" not in plain.text


def _edit_now(rt: Runtime, campaign_id: int | None, text: str) -> None:
    with rt.db.session() as session:
        row = session.get(Campaign, campaign_id)
        assert row is not None
        edit_message(session, row, text, LINK, prepare_lead_s=60)


def test_own_wording_survives_an_edit_made_while_the_supporter_wrote_it(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign = _campaign(runtime)
    browser, consent = _consent_page(web, campaign.slug, Supporter("wes", "x", 5))
    mine = f"I swim there every summer #River {LINK}"
    _edit_now(runtime, campaign.id, "Protect our river this week #River")
    with browser:
        answer = browser.post(
            f"{web.url}/pledge/confirm", data=consent_form(consent, personal_text=mine), timeout=10
        )
        assert answer.status_code == 409
        assert _box(answer)[1] == mine  # their words, not lost
        assert 'id="wording-kept"' in answer.text
        new = f"Protect our river this week #River {LINK}"
        shown = re.search(r'id="post-text">(.*?)</div>', answer.text, re.S)
        assert shown is not None and unescape(shown.group(1)) == new  # for reference
        assert _pledges(runtime) == []
        done = browser.post(f"{web.url}/pledge/confirm", data=consent_form(answer), timeout=10)
        assert done.status_code == 200, done.text
    (row,) = _pledges(runtime)
    assert (row.post_text, row.personalised) == (mine, True)


def test_an_untouched_box_shows_the_new_message_after_an_edit(
    runtime: Runtime, web: LiveWeb
) -> None:
    """A supporter who did not reword must not be handed the old message to consent to."""
    campaign = _campaign(runtime)
    browser, consent = _consent_page(web, campaign.slug, Supporter("xia", "x", 5))
    _edit_now(runtime, campaign.id, "Protect our river this week #River")
    with browser:
        form = consent_form(consent)
        form["personal_text"] = form["personal_text"].replace("\n", "\r\n") + "\r\n"
        answer = browser.post(f"{web.url}/pledge/confirm", data=form, timeout=10)
    assert answer.status_code == 409
    assert _box(answer)[1] == f"Protect our river this week #River {LINK}"
    assert 'id="wording-kept"' not in answer.text


def test_reconsent_keeps_own_wording_when_the_message_changes_again(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign = _campaign(runtime)
    manage = pledge(web.url, campaign.slug, Supporter("yan", "x", 5))
    _edit_now(runtime, campaign.id, "Protect our river now #River")
    with requests.Session() as browser:
        page = browser.get(manage, timeout=5)
        action = re.search(r'action="([^"]+/reconsent)"', page.text)
        assert action is not None
        assert _box(page)[0] == 200
        _edit_now(runtime, campaign.id, "Protect our river tonight #River")
        mine = f"My own words for the river #River {LINK}"
        answer = browser.post(
            f"{web.url}{unescape(action.group(1))}",
            data=consent_form(page, personal_text=mine),
            timeout=5,
        )
    assert answer.status_code == 409
    assert _box(answer)[1] == mine and 'id="wording-kept"' in answer.text
    assert f"Protect our river tonight #River {LINK}" in unescape(answer.text)
