"""A Facebook Page pledge through the web app and the emulator's real OAuth, over HTTP: the Page
chosen among several, one, none; a Page gone before the choice; the post at T, exactly once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import requests
from sqlmodel import select

from amplifier.demo.browser import Supporter, authorize, choose_account, pledge
from amplifier.models import Campaign, Delivery, OAuthAttempt, Pledge
from amplifier.pledges.pledging import tokens_of
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories
from tests.conftest import LiveWeb

PLATFORM = "facebook_pages"
PAGES = [
    {"username": "riverlib", "name": "Riverside Library", "followers": 1200},
    {"username": "riverfriends", "name": "Friends of the River", "followers": 45},
]


def _campaign(rt: Runtime) -> Campaign:
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        row = factories.campaign(session, owner.owner.id, goal=1)
        row.platforms = f"{row.platforms},{PLATFORM}"
        session.add(row)
        return row


def _pages(sandbox: RunningSandbox, username: str, pages: list[dict[str, Any]]) -> None:
    body = {"username": username, "pages": pages}
    answer = requests.post(f"{sandbox.facebook_pages_url}/_sandbox/pages", json=body, timeout=5)
    assert answer.status_code == 200, answer.text


def _feed(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    body = requests.get(f"{sandbox.facebook_pages_url}/_sandbox/posts", timeout=5).json()
    return list(body["posts"])


def test_the_supporter_chooses_one_of_several_pages_and_it_posts_at_t(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    _pages(sandbox, "ada", PAGES)
    campaign = _campaign(runtime)
    who = Supporter("ada", PLATFORM, 3, account="Friends of the River")
    assert pledge(web.url, campaign.slug, who).startswith(f"{web.url}/p/")
    with runtime.db.session() as session:
        row = session.exec(select(Pledge)).one()
        assert (row.handle, row.display_name, row.followers) == (
            "riverfriends",
            "Friends of the River",
            45,
        )
        tokens = tokens_of(row, runtime.cipher)
        assert tokens.extras == {"page_id": row.account_id}
        assert session.exec(select(OAuthAttempt)).one().access_token_enc is None
        stored = session.get(Campaign, campaign.id)
        assert stored is not None
        stored.pledge_deadline = utcnow() - timedelta(seconds=2)
        stored.release_at = utcnow() - timedelta(seconds=1)
        session.add(stored)
    page = requests.get(f"{web.url}/c/{campaign.slug}", timeout=5).text
    assert 'id="reach">45<' in page  # the Page's followers, not the person's
    for _ in range(3):  # judged, prepared, released: and released again, which posts nothing
        work = runtime.collect_due_work()
        for campaign_id in work.releases:
            runtime.release(campaign_id)
    posts = [p for p in _feed(sandbox) if p["username"] == "riverfriends"]
    assert [p["text"] for p in posts] == [campaign.post_text()]
    with runtime.db.session() as session:
        delivery = session.exec(select(Delivery)).one()
        assert delivery.remote_id == posts[0]["id"]


def test_one_page_is_shown_to_confirm(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    campaign = _campaign(runtime)
    with requests.Session() as browser:
        listing = authorize(browser, web.url, campaign.slug, Supporter("ben", PLATFORM, 80))
        assert listing.status_code == 200 and "Which Page should post?" in listing.text
        assert listing.text.count('name="account_id"') == 1 and "Ben Page" in listing.text
        assert "You are signed in on Facebook as" in listing.text  # not "on Facebook Page"
        consent = choose_account(browser, web.url, listing, "")
        assert consent.status_code == 200 and "Confirm your pledge" in consent.text
        assert "ben.page" in consent.text
        assert "You are signed in on Facebook as" in consent.text


def test_no_page_at_all_says_what_to_do_and_keeps_nothing(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    _pages(sandbox, "cy", [])
    campaign = _campaign(runtime)
    with requests.Session() as browser:
        page = authorize(browser, web.url, campaign.slug, Supporter("cy", PLATFORM, 5))
    assert page.status_code == 409
    assert "You have no Page to post from" in page.text
    assert "Create a Page on Facebook" in page.text
    assert f'href="/c/{campaign.slug}"' in page.text
    with runtime.db.session() as session:
        assert session.exec(select(Pledge)).all() == []
        assert all(a.access_token_enc is None for a in session.exec(select(OAuthAttempt)))


def test_a_page_gone_before_the_choice_is_refused_and_another_can_be_chosen(
    runtime: Runtime, web: LiveWeb, sandbox: RunningSandbox
) -> None:
    _pages(sandbox, "dee", PAGES)
    campaign = _campaign(runtime)
    with requests.Session() as browser:
        listing = authorize(browser, web.url, campaign.slug, Supporter("dee", PLATFORM, 5))
        _pages(sandbox, "dee", PAGES[:1])  # Friends of the River lost meanwhile
        gone = choose_account(browser, web.url, listing, "Friends of the River")
        assert gone.status_code == 409 and "no longer reaches that Page" in gone.text
        again = choose_account(browser, web.url, listing, "Riverside Library")
        assert again.status_code == 200 and "Confirm your pledge" in again.text
