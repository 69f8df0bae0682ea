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

from amplifier.consent import edit_message
from amplifier.demo.browser import Supporter, authorize, consent_form, pledge
from amplifier.models import Campaign, Pledge
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from tests.app import factories
from tests.app.test_consent import _posts, _release_now
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
    ("control character", f"Please\x07 save it #River {LINK}", "control characters (U+0007)"),
    ("bidi override", f"Please \u202esave it #River {LINK}", "control characters (U+202E)"),
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
