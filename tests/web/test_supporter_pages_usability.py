"""The supporter pages as a person meets them: paragraphs, states, outcomes, and no dead ends.

Each refusal must still say what happened and what to do, and link back to the campaign whenever
the campaign is known; nothing here may answer with a bare error or a 500.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import requests
from sqlmodel import select

from amplifier.demo.browser import (
    PledgeFailed,
    Supporter,
    authorize,
    consent_form,
    form_token,
    pledge,
)
from amplifier.models import Campaign, CampaignStatus, Delivery, OAuthAttempt, Pledge
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.pages import manage_path
from tests import factories
from tests.conftest import LiveWeb


def _pledges(rt: Runtime, campaign: Campaign, count: int, followers: int = 10) -> list[int]:
    """Pledges written directly (no tokens): enough for what the pages show."""
    assert campaign.id is not None
    ids = []
    with rt.db.session() as session:
        for n in range(count):
            row = Pledge(
                campaign_id=campaign.id,
                platform="x",
                account_id=f"acct-{n}",
                handle=f"@person{n}",
                followers=followers,
                post_text=campaign.post_text(),
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            ids.append(row.id)
    return ids


def _delivery(rt: Runtime, campaign: Campaign, pledge_id: int, **values: Any) -> None:
    assert campaign.id is not None
    with rt.db.session() as session:
        session.add(Delivery(pledge_id=pledge_id, campaign_id=campaign.id, **values))


def _manage_url(rt: Runtime, web: LiveWeb, pledge_id: int) -> str:
    return web.url + manage_path(rt, pledge_id)


def _back_link(html: str, slug: str) -> bool:
    return f'href="/c/{slug}"' in html


def test_story_keeps_its_paragraphs_and_is_escaped(runtime: Runtime, web: LiveWeb) -> None:
    story = "First paragraph.\n\nSecond <b>bold?</b>\nstill the second.\r\n\r\n\r\nThird."
    campaign = factories.new_campaign(runtime, story=story)
    html = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).text
    paragraphs = re.findall(r'<p class="story">(.*?)</p>', html, re.S)
    assert paragraphs == [
        "First paragraph.",
        "Second &lt;b&gt;bold?&lt;/b&gt;\nstill the second.",
        "Third.",
    ]
    assert "<b>bold?" not in html
    assert 'href="/static/amplifier.css"' in html
    css = requests.get(f"{web.url}/static/amplifier.css", timeout=5).text
    assert ".story { white-space: pre-line; }" in css


def test_open_campaign_counts_down_to_the_deadline_and_shows_the_release(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign = factories.new_campaign(runtime, goal=2)
    html = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).text
    assert "Pledging closes" in html
    assert f'data-at="{campaign.pledge_deadline.isoformat()}" data-label="Pledging closes"' in html
    assert f'<time datetime="{campaign.release_at.isoformat()}"' in html
    assert "(2 more supporters needed)" in html
    # the UTC text stays as the fallback and the title; the script shows local time
    utc = f"{campaign.release_at:%Y-%m-%d %H:%M:%S} UTC"
    assert f'title="{utc}">{utc}</time>' in html and 'src="/static/local-time.js"' in html
    script = requests.get(f"{web.url}/static/local-time.js", timeout=5).text
    assert "toLocaleString" in script
    _pledges(runtime, campaign, 3)
    html = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).text
    assert re.search(r'id="supporters">3</strong> pledged · goal 2 supporters', html)
    assert "(the goal is already reached)" in html
    assert " of 2" not in html


def test_closed_campaigns_show_their_state_not_a_countdown(runtime: Runtime, web: LiveWeb) -> None:
    campaign = factories.new_campaign(runtime, goal=1)
    (pledge_id,) = _pledges(runtime, campaign, 1)
    _delivery(runtime, campaign, pledge_id, status="posted", finished_at=utcnow())
    past = utcnow() - timedelta(minutes=5)
    expected = {  # status, release time: words (RELEASING before T is only preparing)
        (CampaignStatus.ARMED, None): "The goal was reached (1 supporter of 1)",
        (CampaignStatus.RELEASING, None): "Preparing the release: no post has left yet",
        (CampaignStatus.RELEASING, past): "The posts are going out now: 1 of 1 post published",
        (CampaignStatus.RELEASED, past): "Released: 1 post went out at",  # not "together"
        (CampaignStatus.FAILED, past): "Did not reach its goal",
        (CampaignStatus.CANCELLED, past): "Cancelled by its organiser",
    }
    for (status, release), words in expected.items():
        factories.update_campaign(
            runtime, campaign.id, status=status, release_at=release or campaign.release_at
        )
        html = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).text
        assert words in html, status
        assert "Pledging closes" not in html, status
        assert "Pledge with" not in html, status
    factories.update_campaign(
        runtime, campaign.id, status=CampaignStatus.OPEN, pledge_deadline=utcnow()
    )
    html = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).text
    assert "the goal is being checked" in html and "Pledging closes" not in html


def test_a_release_where_nothing_went_out_does_not_say_it_went_out(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign = factories.new_campaign(runtime, goal=2)
    for pledge_id in _pledges(runtime, campaign, 2):
        _delivery(runtime, campaign, pledge_id, status="failed", error="the account is suspended")
    past = utcnow() - timedelta(minutes=5)
    factories.update_campaign(runtime, campaign.id, status=CampaignStatus.RELEASED, release_at=past)
    html = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).text
    assert "Released at " in html and ", but none of its 2 posts could be published." in html
    assert "went out" not in html


def test_platforms_are_named_by_their_labels(runtime: Runtime, web: LiveWeb) -> None:
    campaign = factories.new_campaign(runtime)
    browser, csrf = factories.form_browser(runtime)
    answer = browser.post(
        f"{web.url}/c/{campaign.slug}/pledge",
        data={"platform": "myspace", **csrf},
        allow_redirects=False,
    )
    assert answer.status_code == 400
    assert "This campaign posts to X and Mastodon only." in answer.text
    assert _back_link(answer.text, campaign.slug)


def test_refusals_link_back_to_the_campaign(runtime: Runtime, web: LiveWeb) -> None:
    campaign = factories.new_campaign(runtime)
    slug = campaign.slug
    with requests.Session() as browser:
        denied = authorize(browser, web.url, slug, Supporter("nia", "x", 5), decision="deny")
    assert denied.status_code == 400 and "No pledge was made" in denied.text
    assert _back_link(denied.text, slug)

    with requests.Session() as browser:
        page = browser.get(f"{web.url}/c/{slug}", timeout=10)
        start = browser.post(
            f"{web.url}/c/{slug}/pledge",
            data={"platform": "x", "csrf": form_token(page)},
            allow_redirects=False,
        )
        answer = browser.post(
            start.headers["location"],
            data={"username": "omar", "followers": "5", "decision": "approve"},
            allow_redirects=False,
        )
        callback = answer.headers["location"]
        elsewhere = requests.get(callback, timeout=10)
        assert elsewhere.status_code == 403 and "another browser" in elsewhere.text
        assert _back_link(elsewhere.text, slug)
        consent = browser.get(callback, timeout=10)
        assert consent.status_code == 200 and _back_link(consent.text, slug)
        reused = browser.get(callback, timeout=10)
        assert reused.status_code == 409 and "already used" in reused.text
        assert _back_link(reused.text, slug)
        with runtime.db.session() as session:
            attempt = session.exec(select(OAuthAttempt)).one()
            attempt.expires_at = utcnow() - timedelta(seconds=1)
            session.add(attempt)
        expired = browser.post(
            f"{web.url}/pledge/confirm",
            data=consent_form(consent),
            timeout=10,
        )
        assert expired.status_code == 410 and "expired" in expired.text
        assert _back_link(expired.text, slug)

    forged = requests.get(f"{web.url}/oauth/x/callback?state=nothing&code=1", timeout=10)
    assert forged.status_code == 400 and "<h1>This sign-in link is not valid</h1>" in forged.text

    pledge(web.url, slug, Supporter("pia", "x", 5))
    try:
        pledge(web.url, slug, Supporter("pia", "x", 5))
    except PledgeFailed as failure:
        assert failure.response.status_code == 409
        assert "already pledged" in failure.response.text
        assert _back_link(failure.response.text, slug)
    else:
        raise AssertionError("a second pledge from the same account was accepted")

    factories.update_campaign(runtime, campaign.id, pledge_deadline=utcnow() - timedelta(seconds=1))
    browser, csrf = factories.form_browser(runtime)
    closed = browser.post(
        f"{web.url}/c/{slug}/pledge", data={"platform": "x", **csrf}, allow_redirects=False
    )
    assert closed.status_code == 409 and "Pledging has closed" in closed.text
    assert _back_link(closed.text, slug)


def test_withdrawal_asks_first_then_withdraws(runtime: Runtime, web: LiveWeb) -> None:
    campaign = factories.new_campaign(runtime)
    (pledge_id,) = _pledges(runtime, campaign, 1)
    manage = _manage_url(runtime, web, pledge_id)
    browser = requests.Session()
    shown = browser.get(manage, timeout=5)
    page = shown.text
    assert 'id="pledge-status">pledged<' in page and "on X" in page
    assert _back_link(page, campaign.slug) and "Withdraw my pledge" in page
    csrf = {"csrf": form_token(shown)}
    asked = browser.post(manage, data=csrf, timeout=5)
    assert asked.status_code == 200 and "Are you sure" in asked.text
    assert 'name="confirm" value="yes"' in asked.text and _back_link(asked.text, campaign.slug)
    assert form_token(asked) == csrf["csrf"]
    not_yes = browser.post(manage, data={"confirm": "no", **csrf}, timeout=5)
    assert "Are you sure" in not_yes.text
    with runtime.db.session() as session:
        row = session.get(Pledge, pledge_id)
        assert row is not None and row.status == "active"
    done = browser.post(manage, data={"confirm": "yes", **csrf}, timeout=5)
    assert done.status_code == 200 and "Your pledge is withdrawn" in done.text
    assert _back_link(done.text, campaign.slug)
    with runtime.db.session() as session:
        row = session.get(Pledge, pledge_id)
        assert row is not None and row.status == "withdrawn" and row.access_token_enc is None
    page = requests.get(manage, timeout=5).text
    assert 'id="pledge-status">withdrawn<' in page and "Withdraw my pledge" not in page
    again = browser.post(manage, data={"confirm": "yes", **csrf}, timeout=5)
    assert again.status_code == 200 and "withdrawn" in again.text


def test_too_late_to_withdraw_links_back(runtime: Runtime, web: LiveWeb) -> None:
    campaign = factories.new_campaign(runtime)
    (pledge_id,) = _pledges(runtime, campaign, 1)
    factories.update_campaign(runtime, campaign.id, status=CampaignStatus.RELEASED)
    browser, csrf = factories.form_browser(runtime)
    answer = browser.post(_manage_url(runtime, web, pledge_id), data={"confirm": "yes", **csrf})
    assert answer.status_code == 409 and "Too late to withdraw" in answer.text
    assert "already released" in answer.text and _back_link(answer.text, campaign.slug)


def test_manage_page_shows_the_outcome_of_the_post(runtime: Runtime, web: LiveWeb) -> None:
    campaign = factories.new_campaign(runtime, goal=1)
    posted, failed, waiting, odd, none = _pledges(runtime, campaign, 5)
    _delivery(
        runtime,
        campaign,
        posted,
        status="posted",
        remote_url="https://x.example/person0/status/1",
        finished_at=utcnow(),
    )
    # a platform's reason often ends with its own full stop: the sentence keeps one
    _delivery(runtime, campaign, failed, status="failed", error="the account is suspended.")
    _delivery(runtime, campaign, waiting, status="pending")
    _delivery(runtime, campaign, odd, status="posted", remote_url="javascript:alert(1)")
    factories.update_campaign(runtime, campaign.id, status=CampaignStatus.RELEASED)

    def manage(pledge_id: int) -> str:
        answer = requests.get(_manage_url(runtime, web, pledge_id), timeout=5)
        assert answer.status_code == 200
        assert _back_link(answer.text, campaign.slug)
        assert "Withdraw my pledge" not in answer.text
        return answer.text

    page = manage(posted)
    assert "Your post went out" in page
    assert 'href="https://x.example/person0/status/1"' in page
    assert 'id="pledge-status">posted<' in page  # not "pledged" once the post is out
    assert "could not be published: the account is suspended. Nothing else" in manage(failed)
    assert 'id="pledge-status">could not be posted<' in manage(failed)
    assert "waiting to be sent" in manage(waiting)
    assert 'id="pledge-status">waiting to be sent<' in manage(waiting)
    assert "javascript:" not in manage(odd)
    assert "No post was made" in manage(none)


def test_wrong_method_and_bad_links_get_pages(runtime: Runtime, web: LiveWeb) -> None:
    campaign = factories.new_campaign(runtime)
    to_campaign = requests.get(f"{web.url}/c/{campaign.slug}/pledge", allow_redirects=False)
    assert to_campaign.status_code == 303
    assert to_campaign.headers["location"] == f"/c/{campaign.slug}"
    confirm = requests.get(f"{web.url}/pledge/confirm", timeout=5)
    assert confirm.status_code == 405 and "Start from the campaign page" in confirm.text
    assert confirm.headers["allow"] == "POST" and "Method Not Allowed" not in confirm.text
    browser, csrf = factories.form_browser(runtime)
    other = requests.put(f"{web.url}/c/{campaign.slug}", timeout=5)
    assert other.status_code == 405 and "reached from a form" in other.text
    for path in ("/p/abc/def", "/p/1/def", "/p/" + "9" * 30 + "/x", "/p/-1/x"):
        answer = requests.get(web.url + path, timeout=5)
        assert answer.status_code == 404, path
        assert "This link is not valid" in answer.text and "Please check" not in answer.text
        assert browser.post(web.url + path, data=csrf, timeout=5).status_code == 404, path
    missing = requests.get(f"{web.url}/nowhere", timeout=5)
    assert missing.status_code == 404 and "<h1>Not found</h1>" in missing.text
    unknown = requests.get(f"{web.url}/c/no-such-campaign", timeout=5)
    assert unknown.status_code == 404 and "No such campaign" in unknown.text


def test_api_explains_a_malformed_body(runtime: Runtime, web: LiveWeb) -> None:
    with runtime.db.session() as session:
        token = factories.owner(session).token
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    broken = requests.post(
        f"{web.url}/api/campaigns", data=b'{"title": "x",', headers=headers, timeout=5
    )
    assert broken.status_code == 422
    message = broken.json()["message"]
    assert message.startswith("the request body is not valid JSON (")
    assert "JSON decode error" not in message and "at character" in message
    empty = requests.post(f"{web.url}/api/campaigns", data=b"", headers=headers, timeout=5)
    assert empty.status_code == 422 and "request body is empty" in empty.json()["message"]
    listed = requests.post(f"{web.url}/api/campaigns", data=b"[1]", headers=headers, timeout=5)
    assert listed.json()["message"] == "the request body must be a JSON object"
    field = requests.post(
        f"{web.url}/api/campaigns", json=factories.payload(goal=0), headers=headers, timeout=5
    )
    assert field.status_code == 422 and field.json()["message"].startswith("goal:")


def test_a_failed_campaigns_pledge_says_not_posted(runtime: Runtime, web: LiveWeb) -> None:
    """Not "pledged" beside "nothing was posted" once the campaign missed its goal."""
    campaign = factories.new_campaign(runtime, goal=5)
    (pledge_id,) = _pledges(runtime, campaign, 1)
    factories.update_campaign(runtime, campaign.id, status=CampaignStatus.FAILED)
    page = requests.get(_manage_url(runtime, web, pledge_id), timeout=5).text
    assert 'id="pledge-status">not posted<' in page
    assert "did not reach its goal" in page
