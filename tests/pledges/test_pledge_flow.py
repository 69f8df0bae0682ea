"""A supporter's pledge through the web app and the sandbox's real OAuth, over HTTP.

Every refusal must show a page that says what happened and leave no pledge behind.
"""

from __future__ import annotations

from datetime import timedelta

import requests
from sqlmodel import Session, select

from amplifier.demo.browser import (
    PledgeFailed,
    Supporter,
    authorize,
    consent_form,
    form_token,
    pledge,
)
from amplifier.models import Campaign, MastodonApp, OAuthAttempt, Pledge
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories
from tests.conftest import LiveWeb


def _pledges(session: Session) -> list[Pledge]:
    return list(session.exec(select(Pledge)))


def test_x_supporter_pledges_through_oauth_and_sees_the_exact_text(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    campaign = factories.new_campaign(runtime)
    manage = pledge(web.url, campaign.slug, Supporter("alice", "x", 321))
    assert manage.startswith(f"{web.url}/p/")
    with runtime.db.session() as session:
        (row,) = _pledges(session)
        assert (row.platform, row.handle, row.followers) == ("x", "@alice", 321)
        assert row.post_text == "Protect our river today #River https://example.org/river"
        assert row.access_token_enc and row.refresh_token_enc and row.token_expires_at
        # at rest the token is ciphertext; the plaintext works on the platform
        token = runtime.cipher.decrypt(row.access_token_enc)
        assert token not in row.access_token_enc
        me = requests.get(
            f"{sandbox.x_url}/2/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        assert me.json()["data"]["username"] == "alice"
        attempt = session.exec(select(OAuthAttempt)).one()
        assert attempt.status == "consumed" and attempt.access_token_enc is None
    page = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).text
    assert 'id="supporters">1<' in page and 'id="reach">321<' in page


def test_mastodon_app_is_registered_once_per_instance(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    campaign = factories.new_campaign(runtime)
    first, second = sandbox.mastodon_urls
    pledge(web.url, campaign.slug, Supporter("bob", "mastodon", 50, instance=first))
    pledge(web.url, campaign.slug, Supporter("carol", "mastodon", 60, instance=first))
    pledge(web.url, campaign.slug, Supporter("dave", "mastodon", 70, instance=second))
    with runtime.db.session() as session:
        apps = session.exec(select(MastodonApp)).all()
        assert sorted(a.instance_url for a in apps) == sorted([first, second])
        handles = sorted(p.handle for p in _pledges(session))
    host1, host2 = first.split("//")[1], second.split("//")[1]
    assert handles == sorted([f"@bob@{host1}", f"@carol@{host1}", f"@dave@{host2}"])


def test_double_submission_of_consent_creates_one_pledge(runtime: Runtime, web: LiveWeb) -> None:
    campaign = factories.new_campaign(runtime)
    with requests.Session() as browser:
        consent = authorize(browser, web.url, campaign.slug, Supporter("erin", "x", 10))
        answers = [
            browser.post(
                f"{web.url}/pledge/confirm",
                data=consent_form(consent),
                timeout=10,
            )
            for _ in range(3)
        ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    with runtime.db.session() as session:
        assert len(_pledges(session)) == 1


def test_one_pledge_per_account(runtime: Runtime, web: LiveWeb) -> None:
    campaign = factories.new_campaign(runtime)
    pledge(web.url, campaign.slug, Supporter("frank", "x", 10))
    try:
        pledge(web.url, campaign.slug, Supporter("frank", "x", 10))
    except PledgeFailed as failure:
        assert failure.response.status_code == 409
        assert "already pledged" in failure.response.text
        assert "use the link in the confirmation mail or on the thank-you page" in (
            failure.response.text
        )
        assert f'href="/c/{campaign.slug}"' in failure.response.text  # back to the campaign
    else:
        raise AssertionError("a second pledge from the same account was accepted")
    with runtime.db.session() as session:
        assert len(_pledges(session)) == 1


def test_denied_consent_shows_a_page_and_records_nothing(runtime: Runtime, web: LiveWeb) -> None:
    campaign = factories.new_campaign(runtime)
    with requests.Session() as browser:
        page = authorize(
            browser, web.url, campaign.slug, Supporter("gina", "x", 10), decision="deny"
        )
    assert page.status_code == 400
    assert "No pledge was made" in page.text
    with runtime.db.session() as session:
        assert _pledges(session) == []
        assert session.exec(select(OAuthAttempt)).all() == []


def _callback_url(browser: requests.Session, web: LiveWeb, slug: str, who: Supporter) -> str:
    page = browser.get(f"{web.url}/c/{slug}", timeout=10)
    start = browser.post(
        f"{web.url}/c/{slug}/pledge",
        data={"platform": who.platform, "csrf": form_token(page)},
        allow_redirects=False,
    )
    answer = browser.post(
        start.headers["location"],
        data={"username": who.username, "followers": "5", "decision": "approve"},
        allow_redirects=False,
    )
    location: str = answer.headers["location"]
    return location


def test_wrong_state_reused_code_and_foreign_browser_are_refused(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign = factories.new_campaign(runtime)
    with requests.Session() as browser:
        callback = _callback_url(browser, web, campaign.slug, Supporter("hank", "x", 5))
        forged = browser.get(callback.replace("state=", "state=forged"), timeout=10)
        assert forged.status_code == 400 and "not valid" in forged.text
        elsewhere = requests.get(callback, timeout=10)  # no cookie: another browser
        assert elsewhere.status_code == 403 and "another browser" in elsewhere.text
        assert browser.get(callback, timeout=10).status_code == 200
        reused = browser.get(callback, timeout=10)
        assert reused.status_code == 409 and "already used" in reused.text
    with runtime.db.session() as session:
        assert _pledges(session) == []


def test_expired_sign_in_is_refused(runtime: Runtime, web: LiveWeb) -> None:
    campaign = factories.new_campaign(runtime)
    with requests.Session() as browser:
        callback = _callback_url(browser, web, campaign.slug, Supporter("ivy", "x", 5))
        with runtime.db.session() as session:
            attempt = session.exec(select(OAuthAttempt)).one()
            attempt.expires_at = utcnow() - timedelta(seconds=1)
            session.add(attempt)
        page = browser.get(callback, timeout=10)
    assert page.status_code == 410 and "expired" in page.text
    with runtime.db.session() as session:
        assert _pledges(session) == []


def test_pledging_after_the_deadline_is_refused_with_a_page(runtime: Runtime, web: LiveWeb) -> None:
    campaign = factories.new_campaign(runtime)
    with runtime.db.session() as session:
        row = session.get(Campaign, campaign.id)
        assert row is not None
        row.pledge_deadline = utcnow() - timedelta(seconds=1)
        session.add(row)
    browser, csrf = factories.form_browser(runtime)
    answer = browser.post(
        f"{web.url}/c/{campaign.slug}/pledge",
        data={"platform": "x", **csrf},
        allow_redirects=False,
    )
    assert answer.status_code == 409
    assert "Pledging has closed" in answer.text
    page = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5)
    assert "Pledge with X" not in page.text


def test_deadline_passing_between_sign_in_and_consent_records_nothing(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign = factories.new_campaign(runtime)
    with requests.Session() as browser:
        consent = authorize(browser, web.url, campaign.slug, Supporter("jack", "x", 5))
        with runtime.db.session() as session:
            row = session.get(Campaign, campaign.id)
            assert row is not None
            row.pledge_deadline = utcnow() - timedelta(seconds=1)
            session.add(row)
        answer = browser.post(
            f"{web.url}/pledge/confirm",
            data=consent_form(consent),
            timeout=10,
        )
    assert answer.status_code == 409 and "closed" in answer.text
    with runtime.db.session() as session:
        assert _pledges(session) == []


def test_bad_mastodon_instance_and_unknown_platform_get_pages(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign = factories.new_campaign(runtime)
    browser, csrf = factories.form_browser(runtime)
    bad = browser.post(
        f"{web.url}/c/{campaign.slug}/pledge",
        data={"platform": "mastodon", "instance": "not a server!", **csrf},
        allow_redirects=False,
    )
    assert bad.status_code == 422
    unreachable = browser.post(
        f"{web.url}/c/{campaign.slug}/pledge",
        data={"platform": "mastodon", "instance": "http://127.0.0.1:9", **csrf},
        allow_redirects=False,
    )
    assert unreachable.status_code == 422 and "could not reach" in unreachable.text
    other = browser.post(
        f"{web.url}/c/{campaign.slug}/pledge",
        data={"platform": "myspace", **csrf},
        allow_redirects=False,
    )
    assert other.status_code in (400, 422) and "<h1>" in other.text


def test_withdrawing_deletes_the_token_and_a_forged_link_is_404(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign = factories.new_campaign(runtime)
    manage = pledge(web.url, campaign.slug, Supporter("kim", "x", 5))
    assert requests.get(manage, timeout=5).status_code == 200
    forged = manage[:-4] + "0000"
    browser, csrf = factories.form_browser(runtime)
    assert browser.post(forged, data=csrf, timeout=5).status_code == 404
    asked = browser.post(manage, data=csrf, timeout=5)  # the manage page's button asks first
    assert asked.status_code == 200 and "Are you sure" in asked.text
    with runtime.db.session() as session:
        assert _pledges(session)[0].status == "active"
    done = browser.post(manage, data={"confirm": "yes", **csrf}, timeout=5)
    assert done.status_code == 200 and "withdrawn" in done.text
    with runtime.db.session() as session:
        (row,) = _pledges(session)
        assert row.status == "withdrawn"
        assert row.access_token_enc is None and row.refresh_token_enc is None
    page = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).text
    assert 'id="supporters">0<' in page
