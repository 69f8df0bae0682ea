"""Issue 16, the owner's side: pages that tell the truth about where a campaign stands, the full
report with its CSV, times in the owner's own zone, and an admin's landing page."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from amplifier.models import Campaign, CampaignStatus, Delivery, Owner, Pledge
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from tests import factories
from tests.owners.conftest import MakeOwner, WebOwner, log_in, log_out, post_form
from tests.owners.test_owner_campaign_pages import campaign_form


def _create(owner: WebOwner, **overrides: str | list[str]) -> int:
    form = campaign_form(**overrides)
    answer = post_form(owner.browser, "/owner/campaigns/new", "/owner/campaigns/new", **form)  # type: ignore[arg-type]
    assert answer.status_code == 303, answer.text[:3000]
    return int(answer.headers["location"].split("/")[-1].split("?")[0])


def _pledge(
    rt: Runtime, campaign_id: int, handle: str, platform: str = "x", **delivery: object
) -> None:
    with rt.db.session() as session:
        pledge = Pledge(
            campaign_id=campaign_id,
            platform=platform,
            account_id=handle,
            handle=handle,
            followers=10,
            post_text="Keep our library open late! #LibraryLate https://example.org/library",
        )
        session.add(pledge)
        session.flush()
        assert pledge.id is not None
        if delivery:
            session.add(Delivery(pledge_id=pledge.id, campaign_id=campaign_id, **delivery))


def test_releasing_56_s_before_t_reads_preparing_on_the_owner_pages(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    """The release engine marks a campaign `releasing` at T - prepare lead: 56 s before T the
    pages said "The posts are going out now"."""
    ada = make_owner("ada@example.org")
    campaign_id = _create(ada)
    _pledge(runtime, campaign_id, "@one", status="pending")
    release = utcnow() + timedelta(seconds=56)
    factories.update_campaign(
        runtime,
        campaign_id,
        status=CampaignStatus.RELEASING,
        pledge_deadline=utcnow() - timedelta(minutes=5),
        release_at=release,
    )
    for url in (f"/owner/campaigns/{campaign_id}", "/owner"):
        page = ada.browser.get(url).text
        assert "Preparing the release: no post has left yet" in page, url
        assert "going out now" not in page, url
    state = ada.browser.get(f"/owner/campaigns/{campaign_id}/state")
    assert state.status_code == 200 and state.json()["phase"] == "preparing"
    assert state.json()["countdown"] == {"label": "The posts leave", "at": release.isoformat()}
    assert state.headers["cache-control"] == "private, max-age=1"
    assert (
        'id="campaign-status">preparing the release<'
        in ada.browser.get(f"/owner/campaigns/{campaign_id}").text
    )


def test_a_failed_campaign_says_why_and_not_no_posts_yet(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    ada = make_owner("ada@example.org")
    campaign_id = _create(ada, goal="3")
    _pledge(runtime, campaign_id, "@one")
    _pledge(runtime, campaign_id, "@two")
    factories.update_campaign(runtime, campaign_id, status=CampaignStatus.FAILED)
    page = ada.browser.get(f"/owner/campaigns/{campaign_id}").text
    assert "Did not reach its goal: 2 of 3 supporters had pledged by the deadline" in page
    assert "No posts yet" not in page and "Nothing was posted" in page
    assert 'id="campaign-status">failed<' in page
    dashboard = ada.browser.get("/owner").text
    assert "Did not reach its goal: 2 of 3 supporters" in dashboard


def test_after_creating_the_link_and_status_say_one_true_thing(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    runtime.settings.moderation_auto_approve = False
    try:
        ada = make_owner("ada@example.org")
        campaign_id = _create(ada)
        page = ada.browser.get(f"/owner/campaigns/{campaign_id}?created=1").text
    finally:
        runtime.settings.moderation_auto_approve = True
    assert "not working now: it does not work" not in page  # said twice, before
    assert "not working now (it answers “not found” until an admin approves" in page
    assert 'id="campaign-status">pending review<' in page  # not "open" beside "pending"
    assert "Status: <strong" in page and ">open<" not in page


def test_the_owner_page_lists_every_post_sortable_and_as_csv(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    ada = make_owner("ada@example.org")
    campaign_id = _create(ada, goal="1")
    t = utcnow() - timedelta(minutes=1)
    _pledge(runtime, campaign_id, "@late", finished_at=t + timedelta(milliseconds=900),
            status="posted", remote_url="https://x.example/late/status/2")  # fmt: skip
    _pledge(runtime, campaign_id, "@early", platform="mastodon", status="posted",
            finished_at=t + timedelta(milliseconds=120),
            remote_url="https://m.example/@early/1")  # fmt: skip
    _pledge(runtime, campaign_id, "=HYPERLINK(\"http://evil.example\")", status="failed",
            error="-2+3 refused by the platform: duplicate content", finished_at=t)  # fmt: skip
    factories.update_campaign(runtime, campaign_id, status=CampaignStatus.RELEASED, release_at=t,
         pledge_deadline=t - timedelta(minutes=1))  # fmt: skip
    url = f"/owner/campaigns/{campaign_id}"
    page = ada.browser.get(url).text
    rows = re.findall(r'<tr class="post (\w+)">\s*<td class="wrap">([^<]*)</td>', page)
    assert [h for _, h in rows] == ["@early", "@late", "=HYPERLINK(&#34;http://evil.example&#34;)"]
    assert '<a href="https://x.example/late/status/2">see the post</a>' in page
    assert "+120 ms" in page and "+900 ms" in page
    assert "-2+3 refused by the platform: duplicate content" in page
    by_outcome = ada.browser.get(url, params={"sort": "outcome", "order": "desc"}).text
    statuses = re.findall(r'<tr class="post (\w+)">', by_outcome)
    assert statuses == ["failed", "posted", "posted"]
    by_platform = ada.browser.get(url, params={"sort": "platform"}).text
    handles = re.findall(r'<tr class="post \w+">\s*<td class="wrap">([^<]*)</td>', by_platform)
    assert handles[0] == "@early"  # mastodon before x
    assert f'href="{url}/report.csv"' in page
    download = ada.browser.get(f"{url}/report.csv")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    # "@early" too: a spreadsheet reads a leading @ as a formula (OWASP, CSV injection)
    assert [r["handle"] for r in table] == [
        "'@early",
        "'@late",
        '\'=HYPERLINK("http://evil.example")',
    ]
    failed = table[2]
    assert failed["error"] == "'-2+3 refused by the platform: duplicate content"
    assert failed["outcome"] == "failed" and failed["offset_ms"] == ""
    assert table[0]["link"] == "https://m.example/@early/1" and table[0]["offset_ms"] == "120.0"


def test_an_admin_who_logs_in_lands_on_the_review_page(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    admin = make_owner("root@example.org")
    with runtime.db.session() as session:
        row = session.exec(select(Owner).where(Owner.email == "root@example.org")).one()
        row.is_admin = True
        session.add(row)
    log_out(admin.browser)
    answer = log_in(admin.browser, "root@example.org")
    assert answer.status_code == 303 and answer.headers["location"] == "/admin"
    again = admin.browser.get("/login", follow_redirects=False)
    assert again.headers["location"] == "/admin"
    asked = log_in(admin.browser, "root@example.org", next="/owner/campaigns/new")
    assert asked.headers["location"] == "/owner/campaigns/new"  # an asked-for page still wins
    plain = make_owner("ada@example.org")
    log_out(plain.browser)
    assert log_in(plain.browser, "ada@example.org").headers["location"] == "/owner"


# --- times in the owner's own zone -------------------------------------------------------------


def _next(month: int, day: int) -> int:
    """The next year whose given day is still ahead."""
    now = utcnow()
    return now.year if (month, day) > (now.month, now.day) else now.year + 1


def test_the_zone_field_is_not_utc_by_default_and_a_new_york_time_means_new_york(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    ada = make_owner("ada@example.org")
    form = ada.browser.get("/owner/campaigns/new").text
    assert re.search(r'name="timezone" value=""[^>]*required', form)  # asks, or JS fills it
    assert 'src="/static/timezone.js"' in form
    year = _next(12, 1)
    _create(ada, timezone="America/New_York", pledge_deadline=f"{year}-12-01T17:00",
            release_at=f"{year}-12-01T18:00")  # fmt: skip
    with runtime.db.session() as session:
        campaign = session.exec(select(Campaign)).one()
    assert campaign.release_at == datetime(year, 12, 1, 23, 0, tzinfo=UTC)  # 18:00 EST
    preview = ada.browser.get(
        "/owner/time-preview", params={"at": f"{year}-12-01T18:00", "zone": "America/New_York"}
    ).json()
    assert preview["problem"] is None
    assert preview["words"] == (
        f"= {datetime(year, 12, 1, 23):%a %d %b %Y}, 23:00 UTC · "
        f"{datetime(year, 12, 1):%a %d %b %Y}, 18:00 EST in America/New_York"
    )


def test_a_time_the_clocks_skip_is_refused_and_one_they_repeat_is_asked(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    ada = make_owner("ada@example.org")
    # the second Sunday of March skips 02:00-03:00 in New York; the first of November repeats 1:xx
    year = _next(3, 1)
    march = next(d for d in range(8, 15) if datetime(year, 3, d).weekday() == 6)
    gap = f"{year}-03-{march:02d}T02:30"
    day_before = f"{year}-03-{march - 1:02d}T12:00"
    form = campaign_form(timezone="America/New_York", pledge_deadline=day_before, release_at=gap)
    answer = post_form(ada.browser, "/owner/campaigns/new", "/owner/campaigns/new", **form)  # type: ignore[arg-type]
    assert answer.status_code == 400
    assert (f"{year}-03-{march:02d} 02:30 does not exist in America/New_York: that night the "
            "clocks jump from 02:00 EST straight to 03:00 EDT") in answer.text  # fmt: skip
    preview = ada.browser.get("/owner/time-preview", params={"at": gap, "zone": "America/New_York"})
    assert "does not exist" in preview.json()["problem"] and preview.json()["words"] is None

    year = _next(11, 1)
    november = next(d for d in range(1, 8) if datetime(year, 11, d).weekday() == 6)
    fold = f"{year}-11-{november:02d}T01:30"
    form = campaign_form(timezone="America/New_York", pledge_deadline=f"{year}-10-20T12:00",
                         release_at=fold)  # fmt: skip
    asked = post_form(ada.browser, "/owner/campaigns/new", "/owner/campaigns/new", **form)  # type: ignore[arg-type]
    assert asked.status_code == 400 and "happens twice in America/New_York" in asked.text
    assert 'name="release_at_fold" value="0"' in asked.text
    assert 'name="release_at_fold" value="1"' in asked.text
    with runtime.db.session() as session:
        assert session.exec(select(Campaign)).all() == []
    chosen = post_form(ada.browser, "/owner/campaigns/new", "/owner/campaigns/new",
                       **{**form, "release_at_fold": "1"})  # type: ignore[arg-type]  # fmt: skip
    assert chosen.status_code == 303, chosen.text[:3000]
    with runtime.db.session() as session:
        campaign = session.exec(select(Campaign)).one()
    assert campaign.release_at == datetime(year, 11, november, 6, 30, tzinfo=UTC)  # 01:30 EST
