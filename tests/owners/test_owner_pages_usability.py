"""What a QA walkthrough of the owner's pages found: personalisation on the form, the review
state in words, the message version, a confirmation before cancelling, the notice after
creating, the admin link, GET on POST-only addresses, and plurals."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from amplifier.campaigns.moderation import approve, reject, suspend
from amplifier.models import Campaign, CampaignStatus, Delivery, Owner
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from tests.factories import add_pledge
from tests.owners.conftest import MakeOwner, WebOwner, csrf_of, post_form
from tests.owners.test_owner_campaign_pages import campaign_form

CSS = Path(__file__).parents[2] / "amplifier" / "web" / "static" / "amplifier.css"

PENDING_WORDS = "Pending review: not public yet. The signup link works once an admin approves it"


@pytest.fixture(autouse=True)
def _moderated(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """New campaigns wait for review here, as in a default deployment (the suite's runtime
    approves them at creation so older tests need no admin)."""
    monkeypatch.setattr(runtime.settings, "moderation_auto_approve", False)


def _create(owner: WebOwner, **overrides: str | list[str]) -> tuple[int, str]:
    """Schedule through the form: (the campaign's id, where the browser was sent)."""
    form = campaign_form(**overrides)
    answer = post_form(owner.browser, "/owner/campaigns/new", "/owner/campaigns/new", **form)  # type: ignore[arg-type]
    assert answer.status_code == 303, answer.text[:2000]
    location = answer.headers["location"]
    return int(location.split("/")[-1].split("?")[0]), location


def _campaign(runtime: Runtime, campaign_id: int) -> Campaign:
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        return campaign


# --- 1. personalisation on the form -------------------------------------------------------------


def test_the_form_sets_up_personalisation_and_shows_the_platform_rules(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    ada = make_owner("ada@example.org")
    form = ada.browser.get("/owner/campaigns/new").text
    assert 'name="personalisation_allowed"' in form and 'name="personal_required"' in form
    assert 'name="personal_max_length"' in form and 'id="platform-rules"' in form
    assert "weighted characters: most Latin-script characters count 1" in form
    assert "characters by default; each server sets its own limit" in form
    campaign_id, _ = _create(
        ada,
        personalisation_allowed="yes",
        personal_required="#LibraryLate\n\n  Keep our library  \n",
        personal_max_length="400",
    )
    campaign = _campaign(runtime, campaign_id)
    assert campaign.personalisation_allowed is True
    assert campaign.personal_max_length == 400
    page = ada.browser.get(f"/owner/campaigns/{campaign_id}").text
    assert "Supporters may put it in their own words, keeping “#LibraryLate”" in page
    assert "in at most 400 characters" in page


def test_without_the_checkbox_personalisation_stays_off(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    ada = make_owner("ada@example.org")
    campaign_id, _ = _create(ada)
    campaign = _campaign(runtime, campaign_id)
    assert campaign.personalisation_allowed is False and campaign.personal_max_length is None


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"personal_required": "\n".join(["#LibraryLate"] * 11)}, "at most 10 fragments"),
        ({"personal_required": "x" * 201}, "is longer than 200 characters"),
        ({"personal_required": "not in the text"}, "does not appear in the message"),
        ({"personal_max_length": "lots"}, "Enter a whole number, such as 100. Or leave it"),
        ({"personal_max_length": "10"}, "the maximum length is 10 but the message"),
    ],
)
def test_personalisation_mistakes_come_back_with_what_was_typed(
    runtime: Runtime,
    make_owner: MakeOwner,
    overrides: dict[str, str],
    problem: str,
) -> None:
    ada = make_owner("ada@example.org")
    form = campaign_form(personalisation_allowed="yes", **overrides)
    answer = post_form(ada.browser, "/owner/campaigns/new", "/owner/campaigns/new", **form)  # type: ignore[arg-type]
    assert answer.status_code == 400, answer.text[:1000]
    assert problem in answer.text, answer.text[:4000]
    assert 'value="yes" checked' in answer.text  # the checkbox is kept
    kept = overrides.get("personal_required") or overrides["personal_max_length"]
    assert kept.splitlines()[0] in answer.text
    with runtime.db.session() as session:
        assert session.exec(select(Campaign)).all() == []


# --- 2. the review state in words, and the signup link only when it works ---------------------


def test_a_pending_campaign_says_so_and_does_not_offer_its_link(make_owner: MakeOwner) -> None:
    ada = make_owner("ada@example.org")
    campaign_id, _ = _create(ada)
    page = ada.browser.get(f"/owner/campaigns/{campaign_id}").text
    assert PENDING_WORDS in page and "review: pending" not in page
    assert 'id="campaign-status">pending review<' in page  # not "open" beside "pending review"
    assert 'id="signup-link"' not in page and 'id="signup-link-not-working"' in page
    assert "not working now (it answers “not found” until an admin approves the campaign)" in page
    assert "not working now: it does not work" not in page
    assert PENDING_WORDS in ada.browser.get("/owner").text


def test_rejected_suspended_and_approved_campaigns_in_words(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    ada = make_owner("ada@example.org")
    rejected_id, _ = _create(ada, title="Rejected one")
    suspended_id, _ = _create(ada, title="Suspended one")
    with runtime.db.session() as session:
        reject(session, campaign_id=rejected_id, admin_id=None, reason="Spam links", now=utcnow())
        approve(session, campaign_id=suspended_id, admin_id=None, now=utcnow())
    approved = ada.browser.get(f"/owner/campaigns/{suspended_id}").text
    assert 'id="signup-link"' in approved and 'id="review-state"' not in approved
    with runtime.db.session() as session:
        suspend(session, campaign_id=suspended_id, admin_id=None, reason="Abuse", now=utcnow())
    rejected = ada.browser.get(f"/owner/campaigns/{rejected_id}").text
    assert "Rejected by an admin: Spam links." in rejected and "review: rejected" not in rejected
    assert 'id="signup-link"' not in rejected
    suspended = ada.browser.get(f"/owner/campaigns/{suspended_id}").text
    words = (
        "Suspended by an admin: Abuse. It takes no pledges, pledges already made are kept, "
        "and the release is held"
    )
    assert words in suspended
    dashboard = ada.browser.get("/owner").text
    assert "Rejected by an admin: Spam links." in dashboard and words in dashboard


def test_a_cancelled_campaign_does_not_offer_its_link(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    ada = make_owner("ada@example.org")
    campaign_id, _ = _create(ada)
    with runtime.db.session() as session:
        approve(session, campaign_id=campaign_id, admin_id=None, now=utcnow())
    url = f"/owner/campaigns/{campaign_id}"
    assert post_form(ada.browser, url, f"{url}/cancel").status_code == 303
    page = ada.browser.get(url).text
    assert 'id="signup-link"' not in page and "the campaign is cancelled" in page


def test_a_campaign_cancelled_before_review_no_longer_waits_for_it(make_owner: MakeOwner) -> None:
    ada = make_owner("ada@example.org")
    campaign_id, _ = _create(ada)
    url = f"/owner/campaigns/{campaign_id}"
    assert post_form(ada.browser, url, f"{url}/cancel").status_code == 303
    page = ada.browser.get(url).text
    assert "Cancelled by its organiser" in page and PENDING_WORDS not in page


# --- 3. the message version and who still has to agree to it -----------------------------------


def test_the_message_version_and_supporters_awaiting_reconsent(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    ada = make_owner("ada@example.org")
    campaign_id, _ = _create(ada)
    url = f"/owner/campaigns/{campaign_id}"
    assert 'id="message-version">message version 1</p>' in ada.browser.get(url).text
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        add_pledge(session, campaign, 1)
        campaign.message_version = 2
        session.add(campaign)
    assert (
        "message version 2 · 1 supporter has not yet agreed to the new text "
        "(they do not count towards the goal until they do)"
    ) in ada.browser.get(url).text
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        add_pledge(session, campaign, 2)
    assert "2 supporters have not yet agreed" in ada.browser.get(url).text


# --- 4. cancelling asks first ------------------------------------------------------------------


def test_cancelling_asks_for_confirmation_first(runtime: Runtime, make_owner: MakeOwner) -> None:
    ada = make_owner("ada@example.org")
    campaign_id, _ = _create(ada)
    url = f"/owner/campaigns/{campaign_id}"
    page = ada.browser.get(url).text
    assert f'href="{url}/cancel/confirm"' in page
    assert f'action="{url}/cancel"' not in page  # no one-click cancel on the campaign page
    confirm = ada.browser.get(f"{url}/cancel/confirm")
    assert confirm.status_code == 200 and confirm.headers["cache-control"] == "no-store"
    assert f'<form method="post" action="{url}/cancel">' in confirm.text
    assert f'id="keep-link" href="{url}"' in confirm.text
    assert _campaign(runtime, campaign_id).status == CampaignStatus.OPEN  # asking cancels nothing
    answer = ada.browser.post(
        f"{url}/cancel", data={"csrf": csrf_of(confirm.text)}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == url
    assert _campaign(runtime, campaign_id).status == CampaignStatus.CANCELLED
    again = ada.browser.get(f"{url}/cancel/confirm", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == url


def test_another_owner_gets_no_confirmation_page(make_owner: MakeOwner) -> None:
    ada, bob = make_owner("ada@example.org"), make_owner("bob@example.org")
    campaign_id, _ = _create(ada)
    for path in ("cancel/confirm", "cancel"):
        answer = bob.browser.get(f"/owner/campaigns/{campaign_id}/{path}", follow_redirects=False)
        assert answer.status_code == 404, path


# --- 5. the notice after creating --------------------------------------------------------------


def test_the_new_campaign_page_says_it_is_scheduled_and_pending(make_owner: MakeOwner) -> None:
    ada = make_owner("ada@example.org")
    campaign_id, location = _create(ada)
    assert location == f"/owner/campaigns/{campaign_id}?created=1"
    page = ada.browser.get(location).text
    assert "Scheduled. An admin reviews it before it is public" in page and PENDING_WORDS in page
    assert 'id="created-notice"' not in ada.browser.get(f"/owner/campaigns/{campaign_id}").text


def test_an_auto_approved_campaign_is_announced_as_public(
    runtime: Runtime, make_owner: MakeOwner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime.settings, "moderation_auto_approve", True)
    ada = make_owner("ada@example.org")
    _, location = _create(ada)
    page = ada.browser.get(location).text
    assert "Scheduled. It is public: share the signup link below." in page
    assert 'id="signup-link"' in page


# --- 6. navigation and wrapping ----------------------------------------------------------------


def test_admins_get_a_link_to_the_admin_page(runtime: Runtime, make_owner: MakeOwner) -> None:
    ada = make_owner("ada@example.org")
    assert 'href="/admin"' not in ada.browser.get("/owner").text
    with runtime.db.session() as session:
        owner = session.get(Owner, ada.owner_id)
        assert owner is not None
        owner.is_admin = True
        session.add(owner)
    assert 'href="/admin"' in ada.browser.get("/owner").text
    assert 'class="muted logged-in"' in ada.browser.get("/account").text


def test_long_words_wrap_on_the_owner_and_public_pages() -> None:
    css = CSS.read_text()
    rule = next(line for line in css.splitlines() if "overflow-wrap: anywhere" in line)
    for selector in ("h1", ".message", ".story", "td", ".wrap"):
        assert selector in rule.split("{")[0], selector
    assert "nav.owner-nav .logged-in { display: inline-block" in css


# --- 7. GET on the owner's POST-only addresses -------------------------------------------------


@pytest.mark.parametrize("path", ["/account/tokens", "/account/password", "/logout"])
def test_get_on_account_form_addresses_goes_to_the_account_page(
    make_owner: MakeOwner, path: str
) -> None:
    ada = make_owner("ada@example.org")
    answer = ada.browser.get(path, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/account"
    assert ada.browser.get("/owner", follow_redirects=False).status_code == 200  # still logged in


def test_get_on_the_cancel_address_goes_to_the_campaign_page(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    ada = make_owner("ada@example.org")
    campaign_id, _ = _create(ada)
    answer = ada.browser.get(f"/owner/campaigns/{campaign_id}/cancel", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/owner/campaigns/{campaign_id}"
    assert _campaign(runtime, campaign_id).status == CampaignStatus.OPEN


# --- 8. plurals --------------------------------------------------------------------------------


def test_counts_of_one_are_singular(runtime: Runtime, make_owner: MakeOwner) -> None:
    ada = make_owner("ada@example.org")
    campaign_id, _ = _create(ada, goal="1")
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        add_pledge(session, campaign, 1)
    page = ada.browser.get(f"/owner/campaigns/{campaign_id}").text
    assert '"supporters">1</span> pledged; the goal is 1 supporter by' in page
    assert "No posts yet · 1 supporter · 10 followers pledged" in page
    assert "1 supporters" not in page and "1 people" not in page


def test_the_reports_offsets_have_thousands_separators(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    """The trial's report read "first 31594 ms, last 31594 ms" above rows saying "+31,594 ms"."""
    ada = make_owner("ada@example.org")
    campaign_id, _ = _create(ada, goal="1")
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        pledge_id = add_pledge(session, campaign, 1)
        t = utcnow() - timedelta(minutes=1)
        campaign.release_at, campaign.status = t, CampaignStatus.RELEASED
        session.add(campaign)
        session.add(Delivery(pledge_id=pledge_id, campaign_id=campaign_id, status="posted",
                             finished_at=t + timedelta(milliseconds=31_594),
                             remote_url="https://x.example/person1/status/1"))  # fmt: skip
    page = ada.browser.get(f"/owner/campaigns/{campaign_id}").text
    assert "first 31,594 ms, last 31,594 ms after the release time" in page


def test_the_posting_modes_are_told_to_the_owner_about_their_supporters(
    make_owner: MakeOwner,
) -> None:
    """The owner's form offered X modes in the supporter's words ("your post … from your
    account"), and the campaign page turned them into "they post it each supporter'sself"."""
    ada = make_owner("ada@example.org")
    form = ada.browser.get("/owner/campaigns/new").text
    assert "automatic: each supporter&#39;s post is published automatically from their own" in (
        form
    )
    assert "your account" not in form and "yourself" not in form
    campaign_id, _ = _create(ada, platform_modes=["x=intent"])
    page = ada.browser.get(f"/owner/campaigns/{campaign_id}").text
    assert (
        "X: intent: nothing is posted by amplifier: at the release time each supporter is "
        "mailed a link that opens the platform with their text ready, and posts it with one tap."
    ) in page
    assert "Mastodon: automatic: each supporter&#39;s post is published automatically" in page
    assert "sself" not in page and " for you" not in page
