"""An owner's campaigns on the web: the form (same rules as the API), the dashboard, a campaign's
page with its signup link and report, and cancelling."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from amplifier.models import Campaign, CampaignStatus
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from tests.owners.conftest import MakeOwner, post_form


def _local(moment: datetime, zone: str = "UTC") -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def campaign_form(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    now = utcnow()
    form: dict[str, str | list[str]] = {
        "title": "Keep the library open",
        "story": "Our library closes at six.\n\nIt should not.",
        "message_text": "Keep our library open late! #LibraryLate",
        "link": "https://example.org/library",
        "goal": "25",
        "pledge_deadline": _local(now + timedelta(days=1)),
        "release_at": _local(now + timedelta(days=1, hours=1)),
        "timezone": "UTC",
        "platforms": ["x", "mastodon"],
    }
    form.update(overrides)
    return form


def test_the_form_schedules_a_campaign_shown_on_its_page_and_the_dashboard(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    ada = make_owner("ada@example.org")
    release = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    form = campaign_form(
        release_at=_local(release, "Europe/Paris"),
        pledge_deadline=_local(release - timedelta(hours=1), "Europe/Paris"),
        timezone="Europe/Paris",
    )
    answer = post_form(ada.browser, "/owner/campaigns/new", "/owner/campaigns/new", **form)  # type: ignore[arg-type]
    assert answer.status_code == 303, answer.text[:2000]
    with runtime.db.session() as session:
        campaign = session.exec(select(Campaign)).one()
    assert answer.headers["location"] == f"/owner/campaigns/{campaign.id}?created=1"
    assert campaign.owner_id == ada.owner_id
    assert campaign.release_at == release.replace(tzinfo=UTC)  # the zone was applied
    assert campaign.platform_list == ["x", "mastodon"]
    page = ada.browser.get(answer.headers["location"])
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert f"{runtime.settings.public_url}/c/{campaign.slug}" in page.text
    assert "No posts yet · 0 supporters · 0 followers pledged" in page.text
    assert 'id="campaign-status">open<' in page.text
    dashboard = ada.browser.get("/owner")
    assert f'href="/owner/campaigns/{campaign.id}">Keep the library open</a>' in dashboard.text
    assert re.search(r'"supporters">0</span> / 25 supporters', dashboard.text)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"goal": "lots"}, "goal", "Enter a whole number, such as 100 supporters."),
        ({"goal": "0"}, "goal", "The goal must be at least 1."),
        ({"title": ""}, "title", "Write the title: it is empty."),
        ({"title": "   "}, "title", "Write the title: it cannot be only spaces."),
        ({"title": "t" * 201}, "title", "The title has 201 characters; at most 200 are allowed."),
        ({"link": "ftp://example.org"}, "link", "The link must be an http:// or https:// URL"),
        (
            {"pledge_deadline": "2001-01-01T10:00"},
            "pledge_deadline",
            "The pledge deadline has already passed (2001-01-01 10:00:00 UTC): choose a later",
        ),
        ({"release_at": "next tuesday"}, "release_at", "Enter a date and time, such as"),
        ({"timezone": "Mars/Olympus"}, "timezone", "“Mars/Olympus” is not a time zone name"),
        ({"timezone": "../../etc/passwd"}, "timezone", "is not a time zone name"),
        ({"timezone": ""}, "timezone", "Say which time zone these times are in"),
        ({"platforms": []}, "platforms", "Choose at least one platform."),
        ({"platforms": ["myspace"]}, "platforms", "unknown platform &#39;myspace&#39;"),
        ({"message_text": "x" * 600}, "message_text", "The message does not fit: X allows 280"),
        (
            {"pledge_deadline": "0001-01-01T00:00", "timezone": "Asia/Tokyo"},
            "pledge_deadline",
            "Choose a date between the years 1 and 9999.",
        ),
    ],
)
def test_form_mistakes_are_told_in_words_next_to_their_field_keeping_what_was_typed(
    runtime: Runtime,
    make_owner: MakeOwner,
    overrides: dict[str, str | list[str]],
    field: str,
    words: str,
) -> None:
    """Issue 16: the form said "pledge_deadline must be in the future" and "String should have
    at least 1 character" in one list above the form; each mistake is now in plain words under
    its own field (id="<field>-error"), and everything typed is kept."""
    ada = make_owner("ada@example.org")
    form = campaign_form(**overrides)
    answer = post_form(ada.browser, "/owner/campaigns/new", "/owner/campaigns/new", **form)  # type: ignore[arg-type]
    assert answer.status_code == 400, answer.text[:1000]
    assert 'id="form-errors"' in answer.text and "Nothing was saved" in answer.text
    told = re.search(rf'<span class="error field-error" id="{field}-error" role="alert">([^<]*)<',
                     answer.text)  # fmt: skip
    assert told is not None and words in told.group(1), answer.text[:6000]
    for jargon in ("String should", "Input should", "Value error", "pledge_deadline must",
                   "release_at must", "message_text does"):  # fmt: skip
        assert jargon not in answer.text
    assert "Our library closes at six." in answer.text  # the story is kept
    assert 'value="Keep our library open late! #LibraryLate"' not in answer.text  # (a textarea)
    assert "Keep our library open late! #LibraryLate</textarea>" in answer.text or (
        field == "message_text"
    )
    with runtime.db.session() as session:
        assert session.exec(select(Campaign)).all() == []


def test_how_each_platform_posts_has_its_own_heading_not_under_the_update_form(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    ada = make_owner("ada@example.org")
    created = post_form(ada.browser, "/owner/campaigns/new", "/owner/campaigns/new",
                        **campaign_form())  # type: ignore[arg-type]  # fmt: skip
    page = ada.browser.get(created.headers["location"]).text
    heading = page.index('<h2 id="posting-heading">How each platform posts</h2>')
    notes = page.index('id="posting-notes"')
    assert heading < notes < page.index("Updates to supporters")
    assert "Mastodon: " in page[notes : page.index("</ul>", notes)]


def test_every_form_mistake_is_told_in_one_pass_and_the_misfit_per_platform(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    """A blank title, a release before the deadline and a 700-character message: the message's
    length was told only after the others were fixed. Each platform's sentence opens with its
    label, and Mastodon's limit is the default server's."""
    ada = make_owner("ada@example.org")
    now = utcnow()
    form = campaign_form(
        title="",
        message_text="m" * 700,
        pledge_deadline=_local(now + timedelta(days=2)),
        release_at=_local(now + timedelta(days=1)),
    )
    answer = post_form(ada.browser, "/owner/campaigns/new", "/owner/campaigns/new", **form)  # type: ignore[arg-type]
    assert answer.status_code == 400
    for field in ("title", "release_at", "message_text"):
        assert f'id="{field}-error"' in answer.text, field
    told = re.search(r'id="message_text-error" role="alert">([^<]*)<', answer.text)
    assert told is not None
    words = told.group(1)
    assert words.startswith("The message does not fit: X allows 280"), words
    assert "Mastodon (the default server&#39;s limit) allows 500" in words, words
    assert ".;" not in words and "This Mastodon server" not in words
    assert "3 things need fixing" in answer.text


def test_cancel_from_the_campaign_page(runtime: Runtime, make_owner: MakeOwner) -> None:
    ada = make_owner("ada@example.org")
    created = post_form(ada.browser, "/owner/campaigns/new", "/owner/campaigns/new",
                        **campaign_form())  # type: ignore[arg-type]  # fmt: skip
    page_url = created.headers["location"].removesuffix("?created=1")
    assert 'id="cancel"' in ada.browser.get(page_url).text
    cancelled = post_form(ada.browser, page_url, f"{page_url}/cancel")
    assert cancelled.status_code == 303 and cancelled.headers["location"] == page_url
    page = ada.browser.get(page_url)
    assert 'id="campaign-status">cancelled<' in page.text and 'id="cancel"' not in page.text
    with runtime.db.session() as session:
        assert session.exec(select(Campaign)).one().status == CampaignStatus.CANCELLED
    csrf_page = ada.browser.get("/owner")  # a form from another page: the token is the same
    again = post_form(ada.browser, "/owner", f"{page_url}/cancel")
    assert again.status_code == 409 and "cannot be cancelled" in again.text, csrf_page.text[:10]


@pytest.mark.parametrize("raw_id", ["999999", "abc", "0", "99999999999999999999", "\uff11"])
def test_unknown_campaign_ids_are_the_404_page(make_owner: MakeOwner, raw_id: str) -> None:
    ada = make_owner("ada@example.org")
    answer = ada.browser.get(f"/owner/campaigns/{raw_id}")
    assert answer.status_code == 404 and "<h1>Not found</h1>" in answer.text
    cancel = post_form(ada.browser, "/owner", f"/owner/campaigns/{raw_id}/cancel")
    assert cancel.status_code == 404


def test_every_mistake_is_told_in_one_pass(runtime: Runtime, make_owner: MakeOwner) -> None:
    """The walkthrough found the form telling mistakes in rounds: the goal and the times first,
    the empty title, story and message only after those were fixed. All in one answer now."""
    ada = make_owner("ada@example.org")
    form = campaign_form(
        title="", story="", message_text="", goal="", pledge_deadline="", release_at=""
    )
    answer = post_form(ada.browser, "/owner/campaigns/new", "/owner/campaigns/new", **form)  # type: ignore[arg-type]
    assert answer.status_code == 400
    told = set(re.findall(r'id="([a-z_]+)-error" role="alert"', answer.text))
    assert {"title", "story", "message_text", "goal", "pledge_deadline", "release_at"} <= told
    # a refused time is not also blamed for what its stand-in would have caused
    assert "release time must come after" not in answer.text.lower()
    with runtime.db.session() as session:
        assert session.exec(select(Campaign)).all() == []
