"""Consent integrity over real HTTP: versions, re-consent, and only consented text ever posted.

Supporters pledge through the web app and the sandbox's real OAuth; releases run the same domain
functions beat and cron call, and what was posted is read back from the sandbox's own record.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import requests
from sqlmodel import select

from amplifier.campaigns import moderation
from amplifier.campaigns.consent import MessageLocked, edit_message
from amplifier.campaigns.report import build_report
from amplifier.demo.browser import Supporter, authorize, consent_form, pledge
from amplifier.models import Campaign, CampaignStatus, MessageVersion, Pledge
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories
from tests.conftest import LiveWeb

OLD = "Protect our river today #River https://example.org/river"
NEW = "Protect our river this week #River https://example.org/river"


def _edit(rt: Runtime, campaign_id: int | None, text: str) -> Campaign:
    with rt.db.session() as session:
        row = session.get(Campaign, campaign_id)
        assert row is not None
        return edit_message(
            session,
            row,
            text,
            "https://example.org/river",
            prepare_lead_s=rt.settings.release_prepare_lead_s,
        )


def _pledge_row(rt: Runtime, handle: str) -> Pledge:
    with rt.db.session() as session:
        return session.exec(select(Pledge).where(Pledge.handle == handle)).one()


def _posts(sandbox: RunningSandbox) -> dict[str, str]:
    """username -> text of every post the sandbox received."""
    posts: dict[str, str] = {}
    for base in [sandbox.x_url, *sandbox.mastodon_urls]:
        for post in requests.get(f"{base}/_sandbox/posts", timeout=5).json()["posts"]:
            assert post["username"] not in posts, "posted twice"
            posts[post["username"]] = post["text"]
    return posts


def _release_now(rt: Runtime, campaign_id: int | None) -> None:
    now = utcnow()
    with rt.db.session() as session:
        row = session.get(Campaign, campaign_id)
        assert row is not None
        row.pledge_deadline = now - timedelta(seconds=2)
        row.release_at = now - timedelta(seconds=1)
        session.add(row)
    work = rt.collect_due_work()
    assert work.releases == [campaign_id], work
    rt.release(campaign_id)  # type: ignore[arg-type]


def _reconsent_form(page: requests.Response) -> tuple[str, dict[str, str]]:
    action = re.search(r'<form method="post" action="([^"]+/reconsent)"', page.text)
    assert action is not None, page.text
    return unescape(action.group(1)), consent_form(page)


def test_an_edit_before_any_pledge_changes_the_text_in_place(runtime: Runtime) -> None:
    campaign, _ = factories.new_campaign_and_token(runtime)
    edited = _edit(runtime, campaign.id, "Protect our river this week #River")
    assert edited.message_version == 1 and edited.post_text() == NEW
    with runtime.db.session() as session:
        versions = session.exec(select(MessageVersion)).all()
    assert [(v.version, v.message_text) for v in versions] == [
        (1, "Protect our river this week #River")
    ]


def test_an_edit_after_a_pledge_makes_a_new_version_and_only_consented_text_is_posted(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    campaign, token = factories.new_campaign_and_token(runtime, goal=2)
    pledge(web.url, campaign.slug, Supporter("alice", "x", 10))
    bob = Supporter("bob", "mastodon", 20, instance=sandbox.mastodon_urls[0])
    bob_manage = pledge(web.url, campaign.slug, bob)
    answer = requests.patch(
        f"{web.url}/api/campaigns/{campaign.id}/message",
        json={"message_text": "Protect our river this week #River", "link": campaign.link},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["message_version"], body["post_text"]) == (2, NEW)
    assert (body["awaiting_reconsent"], body["supporters"]) == (2, 0)
    with runtime.db.session() as session:
        versions = session.exec(select(MessageVersion).order_by(MessageVersion.version)).all()
    assert [(v.version, v.message_text) for v in versions] == [
        (1, "Protect our river today #River"),
        (2, "Protect our river this week #River"),
    ]
    campaign_page = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).text
    assert 'id="supporters">0<' in campaign_page and 'id="awaiting-reconsent"' in campaign_page

    with requests.Session() as browser:  # bob agrees to the new text on his manage page
        page = browser.get(bob_manage, timeout=5)
        assert OLD in page.text and NEW in page.text and "I consent to the new text" in page.text
        action, form = _reconsent_form(page)
        done = browser.post(f"{web.url}{action}", data=form, timeout=10)
        assert done.status_code == 200 and "consent is recorded" in done.text
        after = browser.get(bob_manage, timeout=5).text
        assert "I consent to the new text" not in after
    bob_row = _pledge_row(runtime, "@bob" + _host(sandbox))
    assert (bob_row.post_text, bob_row.consented_version) == (NEW, 2)
    assert bob_row.consented_at is not None and not bob_row.personalised
    pledge(web.url, campaign.slug, Supporter("carol", "x", 30))  # a fresh pledge: version 2
    carol = _pledge_row(runtime, "@carol")
    assert (carol.post_text, carol.consented_version) == (NEW, 2)

    _release_now(runtime, campaign.id)
    assert _posts(sandbox) == {"bob": NEW, "carol": NEW}  # nothing from alice
    with runtime.db.session() as session:
        row = session.get(Campaign, campaign.id)
        assert row is not None and row.status == CampaignStatus.RELEASED
        report = build_report(session, row)
    alice = _pledge_row(runtime, "@alice")
    (line,) = [p for p in report.posts if p.pledge_id == alice.id]
    assert line.status == "failed"
    assert line.error and "has not consented to the edited message (version 2)" in line.error
    assert report.counts == {"posted": 2, "failed": 1} and report.supporters == 2


def _host(sandbox: RunningSandbox) -> str:
    return "@" + sandbox.mastodon_urls[0].split("//")[1]


def test_the_goal_counts_only_pledges_consented_to_the_current_version(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    campaign, _ = factories.new_campaign_and_token(runtime, goal=1)
    pledge(web.url, campaign.slug, Supporter("dora", "x", 10))
    _edit(runtime, campaign.id, "Protect our river this week #River")
    now = utcnow()
    with runtime.db.session() as session:
        row = session.get(Campaign, campaign.id)
        assert row is not None
        row.pledge_deadline = now - timedelta(seconds=1)
        session.add(row)
    assert runtime.collect_due_work().judged == [(campaign.id, "failed")]
    assert _posts(sandbox) == {}


def test_a_consent_form_showing_an_older_text_is_refused(runtime: Runtime, web: LiveWeb) -> None:
    campaign, _ = factories.new_campaign_and_token(runtime)
    with requests.Session() as browser:
        consent = authorize(browser, web.url, campaign.slug, Supporter("erin", "x", 10))
        assert OLD in consent.text
        _edit(runtime, campaign.id, "Protect our river this week #River")  # in place: v1 still
        refused = browser.post(f"{web.url}/pledge/confirm", data=consent_form(consent), timeout=10)
        assert refused.status_code == 409
        assert "changed the message" in refused.text and NEW in refused.text
        assert f'href="/c/{campaign.slug}"' in refused.text
        with runtime.db.session() as session:
            assert session.exec(select(Pledge)).all() == []
        done = browser.post(f"{web.url}/pledge/confirm", data=consent_form(refused), timeout=10)
        assert done.status_code == 200, done.text
    erin = _pledge_row(runtime, "@erin")
    assert (erin.post_text, erin.consented_version, erin.personalised) == (NEW, 1, False)


def test_a_confirmation_without_the_shown_version_records_nothing(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign, _ = factories.new_campaign_and_token(runtime)
    with requests.Session() as browser:
        consent = authorize(browser, web.url, campaign.slug, Supporter("finn", "x", 10))
        form = consent_form(consent)
        del form["version"], form["message_digest"]
        refused = browser.post(f"{web.url}/pledge/confirm", data=form, timeout=10)
    assert refused.status_code == 409
    with runtime.db.session() as session:
        assert session.exec(select(Pledge)).all() == []


def test_reconsent_needs_the_form_token_the_signature_and_the_current_version(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign, _ = factories.new_campaign_and_token(runtime)
    manage = pledge(web.url, campaign.slug, Supporter("gus", "x", 10))
    _edit(runtime, campaign.id, "Protect our river this week #River")
    with requests.Session() as browser:
        page = browser.get(manage, timeout=5)
        action, form = _reconsent_form(page)
        no_token = requests.post(
            f"{web.url}{action}", data={k: v for k, v in form.items() if k != "csrf"}, timeout=5
        )
        assert no_token.status_code == 403
        forged = action.replace(manage.rsplit("/", 1)[1], "0" * 20)
        assert browser.post(f"{web.url}{forged}", data=form, timeout=5).status_code == 404
        _edit(runtime, campaign.id, "Protect our river this month #River")  # version 3
        stale = browser.post(f"{web.url}{action}", data=form, timeout=5)
        assert stale.status_code == 409 and "changed the message again" in stale.text
        assert "Protect our river this month #River" in stale.text
        assert _pledge_row(runtime, "@gus").consented_version == 1
        done = browser.post(f"{web.url}{action}", data=consent_form(stale), timeout=5)
        assert done.status_code == 200
    gus = _pledge_row(runtime, "@gus")
    assert gus.consented_version == 3
    assert gus.post_text == "Protect our river this month #River https://example.org/river"


def test_edits_stop_at_the_preparation_and_once_the_campaign_is_over(runtime: Runtime) -> None:
    lead = runtime.settings.release_prepare_lead_s
    now = utcnow()
    campaign, _ = factories.new_campaign_and_token(
        runtime,
        deadline=now + timedelta(seconds=lead / 2),
        release=now + timedelta(seconds=lead / 2 + 1),
    )
    with pytest.raises(MessageLocked, match="release is being prepared"):
        _edit(runtime, campaign.id, "Protect our river this week #River")
    cancelled, _ = factories.new_campaign_and_token(runtime)
    with runtime.db.session() as session:
        row = session.get(Campaign, cancelled.id)
        assert row is not None
        row.status = CampaignStatus.CANCELLED
        session.add(row)
    with pytest.raises(MessageLocked, match="cancelled cannot be edited"):
        _edit(runtime, cancelled.id, "Protect our river this week #River")


def test_a_pledge_whose_text_is_not_its_versions_text_is_not_posted(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    """What a consent racing an in-place edit (before any pledge) could leave behind."""
    campaign, _ = factories.new_campaign_and_token(runtime, goal=1)
    with runtime.db.session() as session:
        row = session.get(Campaign, campaign.id)
        assert row is not None
        factories.pledge_with_real_tokens(runtime, session, row, platform="x", username="hal")
        row.message_text = "Protect our river this week #River"  # same version, other text
        session.add(row)
    _release_now(runtime, campaign.id)
    assert _posts(sandbox) == {}
    with runtime.db.session() as session:
        row = session.get(Campaign, campaign.id)
        assert row is not None
        (line,) = build_report(session, row).posts
    assert line.status == "failed" and line.error and "not consented" in line.error


def _suspend(rt: Runtime, campaign_id: int | None, status: CampaignStatus | None = None) -> None:
    assert campaign_id is not None
    with rt.db.session() as session:
        moderation.suspend(
            session, campaign_id=campaign_id, admin_id=None, reason="Secret reason.", now=utcnow()
        )
        if status is not None:
            row = session.get(Campaign, campaign_id)
            assert row is not None
            row.status = status
            session.add(row)


@pytest.mark.parametrize("status", [None, CampaignStatus.ARMED])
def test_the_manage_page_says_a_suspended_campaign_posts_nothing(
    runtime: Runtime, web: LiveWeb, status: CampaignStatus | None
) -> None:
    """A supporter must not read "your post goes out at …" while moderators hold the release."""
    campaign, _ = factories.new_campaign_and_token(runtime)
    manage = pledge(web.url, campaign.slug, Supporter("sus", "x", 5))
    before = requests.get(manage, timeout=5).text
    assert "your post goes out at" in before and 'data-phase="suspended"' not in before
    _suspend(runtime, campaign.id, status)
    page = unescape(requests.get(manage, timeout=5).text)
    assert (
        "This campaign has been suspended by the service's moderators; your pledge is kept, "
        "and nothing is posted unless it is reinstated."
    ) in page
    assert "goes out at" not in page and "Secret reason" not in page
    assert "Withdraw my pledge" in page  # still theirs to withdraw
