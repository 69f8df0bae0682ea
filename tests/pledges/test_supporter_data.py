"""Through the signed manage link a supporter sees what is held about their pledge and deletes it.

Before the release, deleting withdraws the pledge and erases everything personal; after it, the
post's outcome and link stay for the owner's report under "deleted supporter".
"""

from __future__ import annotations

import html
from datetime import timedelta

import requests
from sqlmodel import select

from amplifier.campaigns.report import build_report
from amplifier.demo.browser import Supporter, form_token, pledge
from amplifier.models import Campaign, Delivery, OAuthAttempt, Pledge
from amplifier.pledges.supporter_data import ERASED_HANDLE, delete_supporter_data, describe
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories
from tests.conftest import LiveWeb


def _only_pledge(rt: Runtime) -> Pledge:
    with rt.db.session() as session:
        (row,) = session.exec(select(Pledge)).all()
        return row


def _delete_through_the_pages(browser: requests.Session, manage: str) -> requests.Response:
    """Manage page → data page → "Delete my data…" → confirm, as a person's clicks would go."""
    page = browser.get(manage, timeout=5)
    assert page.status_code == 200 and 'id="data-link"' in page.text
    data_url = manage + "/data"
    asked = browser.get(data_url + "?confirm=delete", timeout=5)
    assert asked.status_code == 200 and "Delete your data?" in asked.text
    return browser.post(
        data_url + "/delete",
        data={"confirm": "yes", "csrf": form_token(asked)},
        allow_redirects=False,
        timeout=5,
    )


def test_the_data_page_shows_what_is_held_but_never_the_token(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign = factories.new_campaign(runtime)
    manage = pledge(web.url, campaign.slug, Supporter("nora", "x", 432))
    row = _only_pledge(runtime)
    assert row.access_token_enc is not None and row.refresh_token_enc is not None
    page = requests.get(manage + "/data", timeout=5)
    assert page.status_code == 200
    text = html.unescape(page.text)
    for shown in (
        campaign.title,
        "@nora",
        row.display_name or "@nora",
        "432",
        row.account_id,
        row.post_text,
        "pledged",
        "held, encrypted",
        "not released",
    ):
        assert shown in text, shown
    for secret in (
        runtime.cipher.decrypt(row.access_token_enc),
        runtime.cipher.decrypt(row.refresh_token_enc),
        row.access_token_enc,
        row.refresh_token_enc,
    ):
        assert secret not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"


def test_a_forged_link_or_a_form_without_its_token_changes_nothing(
    runtime: Runtime, web: LiveWeb
) -> None:
    campaign = factories.new_campaign(runtime)
    manage = pledge(web.url, campaign.slug, Supporter("olga", "x", 5))
    forged = manage[:-4] + ("0000" if not manage.endswith("0000") else "1111")
    assert requests.get(forged + "/data", timeout=5).status_code == 404
    browser, csrf = factories.form_browser(runtime)
    refused = browser.post(forged + "/data/delete", data={"confirm": "yes", **csrf}, timeout=5)
    assert refused.status_code == 404
    cross_site = requests.post(manage + "/data/delete", data={"confirm": "yes"}, timeout=5)
    assert cross_site.status_code == 403  # no CSRF token: another site cannot delete for them
    unconfirmed = browser.post(manage + "/data/delete", data=csrf, allow_redirects=False, timeout=5)
    assert unconfirmed.status_code == 303 and unconfirmed.headers["location"].endswith(
        "/data?confirm=delete"
    )
    row = _only_pledge(runtime)
    assert row.status == "active" and row.handle == "@olga" and row.access_token_enc


def test_deleting_before_the_release_withdraws_and_erases_everything_personal(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    campaign = factories.new_campaign(runtime)
    manage = pledge(web.url, campaign.slug, Supporter("pia", "x", 77))
    before = _only_pledge(runtime)
    with requests.Session() as browser:
        done = _delete_through_the_pages(browser, manage)
        assert done.status_code == 303
        shown = browser.get(manage + "/data", timeout=5)
    row = _only_pledge(runtime)
    assert row.status == "withdrawn" and row.withdrawn_at is not None
    assert (row.access_token_enc, row.refresh_token_enc, row.token_expires_at) == (None,) * 3
    assert row.token_scope is None
    assert (row.handle, row.display_name, row.profile_url, row.followers) == (
        ERASED_HANDLE,
        "",
        "",
        0,
    )
    assert row.account_id == f"deleted:{row.id}"
    assert row.post_text == campaign.post_text() and row.campaign_id == campaign.id
    with runtime.db.session() as session:
        assert session.exec(select(OAuthAttempt)).all() == []  # the sign-in's copy of the profile
    assert shown.status_code == 200 and 'id="erased-notice"' in shown.text
    assert "@pia" not in shown.text and before.account_id not in shown.text
    assert "Delete my data" not in shown.text
    campaign_page = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).text
    assert 'id="supporters">0<' in campaign_page
    # the same account can pledge again while pledging is open
    pledge(web.url, campaign.slug, Supporter("pia", "x", 77))
    with runtime.db.session() as session:
        handles = sorted(p.handle for p in session.exec(select(Pledge)))
    assert handles == ["@pia", ERASED_HANDLE]


def test_deleting_after_the_release_keeps_the_outcome_for_the_owner_only(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    campaign = factories.new_campaign(runtime, goal=2)
    manage = pledge(web.url, campaign.slug, Supporter("quin", "x", 40))
    pledge(web.url, campaign.slug, Supporter("rosa", "mastodon", 60, sandbox.mastodon_urls[0]))
    with runtime.db.session() as session:
        row = session.get(Campaign, campaign.id)
        assert row is not None
        row.pledge_deadline = utcnow() - timedelta(seconds=2)
        row.release_at = utcnow() - timedelta(seconds=1)
        session.add(row)
    for campaign_id in runtime.collect_due_work().releases:
        runtime.release(campaign_id)
    quin = next(p for p in _all_pledges(runtime) if p.handle == "@quin")
    with runtime.db.session() as session:
        delivery = session.exec(select(Delivery).where(Delivery.pledge_id == quin.id)).one()
    assert delivery.status == "posted" and delivery.remote_url
    page = requests.get(manage + "/data", timeout=5).text
    assert "posted" in page and delivery.remote_url in page

    with requests.Session() as browser:
        done = _delete_through_the_pages(browser, manage)
        assert done.status_code == 303
        shown = browser.get(manage + "/data", timeout=5).text
    erased = next(p for p in _all_pledges(runtime) if p.id == quin.id)
    assert erased.handle == ERASED_HANDLE and erased.followers == 0 and erased.display_name == ""
    assert erased.account_id == f"deleted:{quin.id}" and erased.profile_url == ""
    assert erased.status == "active"  # it was posted: there is nothing left to withdraw
    with runtime.db.session() as session:
        kept = session.exec(select(Delivery).where(Delivery.pledge_id == quin.id)).one()
        campaign_row = session.get(Campaign, campaign.id)
        assert campaign_row is not None
        report = build_report(session, campaign_row)
    assert (kept.status, kept.remote_url, kept.remote_id) == (
        "posted",
        delivery.remote_url,
        delivery.remote_id,
    )
    assert quin.id is not None
    lines = {line.pledge_id: line for line in report.posts}
    assert lines[quin.id].handle == ERASED_HANDLE and lines[quin.id].url == delivery.remote_url
    assert lines[quin.id].followers == 0
    assert report.counts == {"posted": 2} and report.reached == 60
    assert "erased-notice" in shown and "@quin" not in shown


def test_deleting_twice_and_after_a_failed_campaign_is_harmless(runtime: Runtime) -> None:
    campaign = factories.new_campaign(runtime, goal=5)
    with runtime.db.session() as session:
        row = session.get(Campaign, campaign.id)
        assert row is not None
        made = factories.pledge_with_real_tokens(
            runtime, session, row, platform="mastodon", username="sam"
        )
        row.pledge_deadline = utcnow() - timedelta(seconds=1)
        session.add(row)
    runtime.collect_due_work()  # judged: failed, tokens forgotten
    for _ in range(2):
        with runtime.db.session() as session:
            p = session.get(Pledge, made.id)
            c = session.get(Campaign, campaign.id)
            assert p is not None and c is not None and c.status == "failed"
            result = delete_supporter_data(session, pledge=p, campaign=c, now=utcnow())
            assert not result.withdrawn and not result.outcome_kept
    with runtime.db.session() as session:
        p = session.get(Pledge, made.id)
        assert p is not None
        data = describe(session, p)
    assert data.erased and not data.token_held and data.handle == ERASED_HANDLE
    assert data.campaign_status == "failed" and data.outcome is None


def _all_pledges(rt: Runtime) -> list[Pledge]:
    with rt.db.session() as session:
        return list(session.exec(select(Pledge)))
