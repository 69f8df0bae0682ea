"""Issue 16, the live release view: from T - prepare lead the owner's page shows posts landing
(counts by outcome and platform, posts per second, offset from T, the latest links) and the
public page the same in a lighter form; both keep it true from the state endpoint they poll, and
the owner's report section can be fetched alone to be swapped in while the posts land."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from amplifier.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, Pledge
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from tests import factories
from tests.owners.conftest import MakeOwner, WebOwner
from tests.owners.test_owner_truth import _create, _pledge


def _releasing(runtime: Runtime, owner: WebOwner) -> Campaign:
    """A campaign 2 s past T: two posts out (on X and Mastodon), one still waiting."""
    campaign_id = _create(owner)
    now = utcnow()
    t = now - timedelta(seconds=2)
    _pledge(runtime, campaign_id, "@ann", status=DeliveryStatus.POSTED,
            finished_at=t + timedelta(milliseconds=153),
            remote_url="https://x.example/ann/1")  # fmt: skip
    _pledge(runtime, campaign_id, "@bo@mastodon.example", platform="mastodon",
            status=DeliveryStatus.POSTED, finished_at=t + timedelta(milliseconds=1210),
            remote_url="https://mastodon.example/@bo/2")  # fmt: skip
    _pledge(runtime, campaign_id, "@cy", status=DeliveryStatus.PENDING)
    return factories.update_campaign(
        runtime, campaign_id, status=CampaignStatus.RELEASING, release_at=t,
        pledge_deadline=now - timedelta(minutes=5), review_status="approved")  # fmt: skip


def test_the_owner_sees_posts_landing_and_the_public_page_a_lighter_view(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    owner = make_owner("live@example.org")
    campaign = _releasing(runtime, owner)
    html = owner.browser.get(f"/owner/campaigns/{campaign.id}").text
    assert "2 of 3 posts are out" in html
    assert "posted 2 · could not be posted 0 · waiting 1" in html
    assert "latest post at T+1,210 ms" in html and "posts/s now" in html
    assert '+153 ms · @ann on X · <a href="https://x.example/ann/1">see the post</a>' in html
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html

    state = owner.browser.get(f"/owner/campaigns/{campaign.id}/state").json()
    live = state["release"]
    assert (live["total"], live["posted"], live["pending"]) == (3, 2, 1)
    assert live["summary"] == "2 of 3 posts are out"
    assert [p["label"] for p in live["by_platform"]] == ["Mastodon", "X"]
    assert {p["label"]: (p["posted"], p["pending"]) for p in live["by_platform"]} == {
        "Mastodon": (1, 0), "X": (1, 1)}  # fmt: skip
    assert [p["handle"] for p in live["latest"]] == ["@bo@mastodon.example", "@ann"]
    assert live["rate_now"] is not None and live["rate_now"] > 0
    assert live["latest_offset_ms"] == 1210.0

    visitor = owner.browser.__class__(owner.browser.app, base_url=str(owner.browser.base_url))
    public = visitor.get(f"/c/{campaign.slug}/state").json()["release"]
    assert public["summary"] == "2 of 3 posts are out" and public["latest"] == []
    page = visitor.get(f"/c/{campaign.slug}").text
    assert "2 of 3 posts are out" in page and "@ann" not in page


def test_before_the_release_there_is_no_live_view_and_after_it_the_page_stops_refreshing(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    owner = make_owner("calm@example.org")
    campaign_id = _create(owner)
    factories.update_campaign(runtime, campaign_id, review_status="approved")
    assert "release" not in owner.browser.get(f"/owner/campaigns/{campaign_id}/state").json()
    html = owner.browser.get(f"/owner/campaigns/{campaign_id}").text
    hidden = 'data-live-phases="preparing releasing released" hidden>'
    assert f'<section id="release-live" class="release-live" {hidden}' in html
    assert "http-equiv" not in html
    campaign = _releasing(runtime, owner)
    factories.update_campaign(
        runtime, campaign.id or 0, status=CampaignStatus.RELEASED, released_at=utcnow()
    )
    html = owner.browser.get(f"/owner/campaigns/{campaign.id}").text
    assert "2 of 3 posts are out" in html and "http-equiv" not in html


def test_the_report_section_comes_alone_in_the_pages_order_for_its_owner_only(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    owner = make_owner("section@example.org")
    campaign = _releasing(runtime, owner)
    url = f"/owner/campaigns/{campaign.id}"
    page = owner.browser.get(f"{url}?sort=platform&order=desc").text
    assert f'data-report-url="{url}/report-section?sort=platform&amp;order=desc"' in page
    section = owner.browser.get(f"{url}/report-section?sort=platform&order=desc")
    assert section.status_code == 200 and section.headers["cache-control"] == "no-store"
    body = section.text
    assert '<section id="report"' in body
    assert body.index("@ann") < body.index("@bo@mastodon.example")  # X before Mastodon, descending
    assert "<html" not in body
    other = make_owner("other@example.org")
    assert other.browser.get(f"/owner/campaigns/{campaign.id}/report-section").status_code == 404
    with runtime.db.session() as session:
        assert len(session.exec(select(Pledge)).all()) == 3
        assert len(session.exec(select(Delivery)).all()) == 3
