"""The public campaign page under a crowd: kept a second per process, revalidated with ETags,
and never offered to a shared cache when it holds something personal (web/page_cache.py)."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from amplifier.models import Campaign, CampaignStatus
from amplifier.runtime import Runtime
from amplifier.web.security.csrf import FIELD
from tests import factories
from tests.owners.conftest import sign_up
from tests.web.conftest import ClientFactory


def _token(html: str) -> str:
    marker = f'name="{FIELD}" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_etag_round_trip_answers_304_without_a_body(
    make_client: ClientFactory, campaign: Campaign
) -> None:
    browser = make_client(web_page_cache_s=1.0)
    first = browser.get(f"/c/{campaign.slug}")
    assert first.status_code == 200 and first.headers["etag"]
    again = browser.get(f"/c/{campaign.slug}", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    other = browser.get(f"/c/{campaign.slug}", headers={"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200 and other.text == first.text


def test_each_browser_gets_its_own_form_token_and_no_shared_cache_keeps_it(
    make_client: ClientFactory, campaign: Campaign
) -> None:
    ada, bob = make_client(web_page_cache_s=5.0), make_client(web_page_cache_s=5.0)
    ada_page, bob_page = ada.get(f"/c/{campaign.slug}"), bob.get(f"/c/{campaign.slug}")
    assert _token(ada_page.text) != _token(bob_page.text)
    for answer in (ada_page, bob_page):
        assert answer.headers["cache-control"] == "private, no-cache"
        assert "set-cookie" in answer.headers  # the cookie the token belongs to
    # the token works: a form sent with it is not refused as a forgery
    sent = ada.post(
        f"/c/{campaign.slug}/pledge",
        data={"platform": "x", "csrf": _token(ada_page.text)},
        follow_redirects=False,
    )
    assert sent.status_code == 303


def test_a_new_pledge_shows_within_about_a_second(
    runtime: Runtime, make_client: ClientFactory, campaign: Campaign
) -> None:
    browser = make_client(web_page_cache_s=1.0)
    before = browser.get(f"/c/{campaign.slug}").text
    assert 'id="supporters">0<' in before
    with runtime.db.session() as session:
        row = session.get(Campaign, campaign.id)
        assert row is not None
        factories.add_pledge(session, row)
    deadline = time.monotonic() + 3.0
    while 'id="supporters">1<' not in browser.get(f"/c/{campaign.slug}").text:
        assert time.monotonic() < deadline, "the new pledge never showed"
        time.sleep(0.1)


def test_a_page_asked_with_a_session_is_not_public(
    make_client: ClientFactory, campaign: Campaign
) -> None:
    browser = make_client(web_page_cache_s=1.0)
    sign_up(browser, "ada@example.org")
    answer = browser.get(f"/c/{campaign.slug}")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "private, no-store"


def test_a_page_without_forms_is_public_for_a_short_while(
    runtime: Runtime, make_client: ClientFactory, campaign: Campaign
) -> None:
    factories.update_campaign(runtime, campaign.id, status=CampaignStatus.CANCELLED)
    browser = make_client(web_page_cache_s=1.0)
    answer = browser.get(f"/c/{campaign.slug}")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=1, stale-while-revalidate=30"
    assert "set-cookie" not in answer.headers
    assert f'name="{FIELD}"' not in answer.text


def test_a_reloaded_pledge_address_goes_back_to_the_page(
    make_client: ClientFactory, campaign: Campaign
) -> None:
    browser = make_client(web_page_cache_s=1.0)
    browser.get(f"/c/{campaign.slug}")  # now cached
    back = browser.get(f"/c/{campaign.slug}/pledge", follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == f"/c/{campaign.slug}"
    missing = browser.get("/c/no-such-campaign/pledge", follow_redirects=False)
    assert missing.status_code == 404


def test_a_hidden_campaign_is_not_shown_from_the_cache(
    runtime: Runtime, make_client: ClientFactory, campaign: Campaign
) -> None:
    browser = make_client(web_page_cache_s=0.3)
    assert browser.get(f"/c/{campaign.slug}").status_code == 200
    pledge = f"/c/{campaign.slug}/pledge"
    assert browser.get(pledge, follow_redirects=False).status_code == 303
    factories.update_campaign(runtime, campaign.id, slug="renamed-elsewhere")
    time.sleep(0.35)
    assert browser.get(f"/c/{campaign.slug}").status_code == 404  # the one who renders
    assert browser.get(f"/c/{campaign.slug}").status_code == 404  # and everyone after
    assert browser.get(pledge, follow_redirects=False).status_code == 404  # the address too
    assert browser.get(pledge, follow_redirects=False).status_code == 404


def test_while_one_visitor_waits_for_a_new_copy_the_others_get_the_old_one(
    runtime: Runtime, make_client: ClientFactory, campaign: Campaign
) -> None:
    """PostgreSQL: the campaign table is locked so that the visitor who renders the next copy
    waits in the database; a visitor meanwhile is answered from the copy being replaced."""
    if not runtime.db.url.startswith("postgresql"):
        pytest.skip("holds a table lock: PostgreSQL only")
    browser = make_client(web_page_cache_s=0.2)
    assert 'id="supporters">0<' in browser.get(f"/c/{campaign.slug}").text
    with runtime.db.session() as session:
        row = session.get(Campaign, campaign.id)
        assert row is not None
        factories.add_pledge(session, row)
    time.sleep(0.25)  # the copy is past its time
    answers: dict[str, str] = {}

    def visit(who: str) -> None:
        answers[who] = browser.get(f"/c/{campaign.slug}").text

    renderer = threading.Thread(target=visit, args=("renderer",), daemon=True)
    with runtime.db.engine.connect() as locker:
        locker.execute(sa.text("LOCK TABLE campaign IN ACCESS EXCLUSIVE MODE"))
        renderer.start()
        _wait_for_a_query_waiting_on_a_lock(runtime)
        other = threading.Thread(target=visit, args=("other",), daemon=True)
        other.start()
        other.join(10)
        assert not other.is_alive(), "a visitor waited for the render"
        assert 'id="supporters">0<' in answers["other"]  # the old copy
        assert renderer.is_alive()
        locker.rollback()
    renderer.join(10)
    assert 'id="supporters">1<' in answers["renderer"]  # the new one


def _wait_for_a_query_waiting_on_a_lock(runtime: Runtime) -> None:
    """Asked from a connection of its own: pg_stat_activity is read once per transaction."""
    deadline = time.monotonic() + 10
    ask = sa.text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    while True:
        with runtime.db.engine.connect() as conn:
            if conn.execute(ask).scalar():
                return
        assert time.monotonic() < deadline, "the render never reached the database"
        time.sleep(0.02)
