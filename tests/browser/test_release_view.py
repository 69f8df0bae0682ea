"""Issue 16 in a real browser: the live release view on the owner's page and the public one, the
owner's pledge chart and supporters table, the public page's extras, and the README's
screenshots (written to docs/screenshots/ when AMPLIFIER_README_SCREENSHOTS=1)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from amplifier.campaigns.report import build_report
from amplifier.models import Campaign, Delivery, Owner
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories
from tests.browser.conftest import PHONE, NewPage
from tests.browser.test_live_pages import release_due  # noqa: F401 (a fixture)
from tests.conftest import LiveWeb
from tests.platforms.helpers import posts as posts_of

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"viewport": {"width": 1100, "height": 900}}

# every text #release-summary shows, in order, recorded in the page itself
_RECORD_SUMMARY = """() => {
  const el = document.querySelector("#release-summary");
  window.__summaries = [el.textContent.trim()];
  new MutationObserver(() => {
    const now = el.textContent.trim();
    if (window.__summaries[window.__summaries.length - 1] !== now) { window.__summaries.push(now); }
  }).observe(el, {childList: true, subtree: true, characterData: true});
}"""


def readme_shot(target: Any, name: str) -> None:
    """The README's screenshots are these pages (or one section of one: a locator), taken when
    asked for, not on every run."""
    if os.environ.get("AMPLIFIER_README_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        whole = {"full_page": True} if hasattr(target, "goto") else {}
        target.screenshot(path=str(SHOTS / f"{name}.png"), **whole)


def _sign_up(page: Any, web: LiveWeb, email: str, name: str) -> None:
    page.goto(f"{web.url}/signup")
    page.fill("input[name=email]", email)
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", "correct horse battery")
    page.fill("input[name=password_again]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{web.url}/owner**")


def test_the_owner_and_the_public_watch_posts_land_without_reloading(
    runtime: Runtime,
    sandbox: RunningSandbox,
    web: LiveWeb,
    new_page: NewPage,
    release_due: None,  # noqa: F811
) -> None:
    runtime.settings.release_prepare_lead_s = 3.0
    owner_page = new_page(**DESKTOP)
    _sign_up(owner_page, web, "organiser@example.org", "Ada Organiser")
    names = ("ann", "ben", "cat", "dan", "eve", "fay")
    now = utcnow()
    with runtime.db.session() as session:
        me = session.exec(select(Owner).where(Owner.email == "organiser@example.org")).one()
        assert me.id is not None
        campaign = factories.campaign(session, me.id, goal=4, title="Keep the library open late")
        for n, name in enumerate(names):
            platform = "x" if n % 2 == 0 else "mastodon"
            factories.pledge_with_real_tokens(
                runtime, session, campaign, platform=platform, username=name, followers=100 * n
            )
        campaign.pledge_deadline = now + timedelta(seconds=4)
        campaign.release_at = now + timedelta(seconds=10)
        session.add(campaign)
        campaign_id, slug = campaign.id, campaign.slug

    owner_page.goto(f"{web.url}/owner/campaigns/{campaign_id}")
    assert owner_page.locator("#pledge-chart").is_visible()
    assert owner_page.locator("#supporters tbody tr").count() == len(names)
    assert owner_page.locator("#release-live").is_hidden()  # not before T - prepare lead
    owner_page.evaluate(_RECORD_SUMMARY)
    visitor = new_page(**DESKTOP)
    visitor.goto(f"{web.url}/c/{slug}")
    assert visitor.inner_text("#organiser") == "Organised by Ada Organiser"
    visitor.evaluate(_RECORD_SUMMARY)

    done = f"{len(names)} of {len(names)} posts are out"
    owner_page.locator("#release-summary", has_text=done).wait_for(timeout=45_000)
    seen: list[str] = owner_page.evaluate("window.__summaries")
    assert seen[0] == "" and seen[-1] == done, seen  # filled in by itself, on the same page
    assert owner_page.locator("#release-live").is_visible()
    latest = owner_page.locator("#release-latest li a", has_text="see the post")
    latest.first.wait_for()
    assert latest.count() == len(names)
    assert "latest post at T+" in owner_page.inner_text("#release-rate")
    platforms = owner_page.inner_text("#release-platforms tbody")
    assert "X" in platforms and "Mastodon" in platforms
    # the report's section refreshed itself: every post with its link, no reload
    links = owner_page.locator("#report-posts a", has_text="see the post")
    links.nth(len(names) - 1).wait_for(timeout=30_000)  # rows come first, their links as they land
    assert links.count() == len(names)
    assert owner_page.evaluate("window.__summaries !== undefined")  # the same document
    readme_shot(owner_page, "live-release-view")

    visitor.locator("#release-summary", has_text=done).wait_for(timeout=15_000)
    assert visitor.locator("#release-latest").count() == 0  # the public view names nobody
    assert visitor.evaluate("window.__summaries !== undefined")
    visitor.reload()  # after the release: a sample of the posts, with links
    assert visitor.locator("#sample-posts a", has_text="see the post").count() == len(names)
    readme_shot(visitor, "campaign-page")
    owner_page.goto(f"{web.url}/owner/campaigns/{campaign_id}?sort=platform#report")
    assert owner_page.locator("#report-posts tbody tr").count() == len(names)
    readme_shot(owner_page.locator("#report"), "report")


def test_the_public_page_shares_without_trackers_and_keeps_a_mistyped_server(
    runtime: Runtime, sandbox: RunningSandbox, web: LiveWeb, new_page: NewPage
) -> None:
    with runtime.db.session() as session:
        owner = factories.owner(session, name="River Friends")
        assert owner.owner.id is not None
        slug = factories.campaign(session, owner.owner.id, title="Save the river").slug
    page = new_page()
    page.goto(f"{web.url}/c/{slug}")
    share = page.locator("#share a[id^=share-]")
    hrefs = [share.nth(i).get_attribute("href") or "" for i in range(share.count())]
    assert any(
        h.startswith("https://twitter.com/intent/tweet?text=Save%20the%20river%20") for h in hrefs
    )
    assert page.locator("meta[property='og:title']").get_attribute("content") == "Save the river"
    assert page.locator("meta[name='twitter:card']").get_attribute("content") == "summary"
    assert page.locator("link[rel=icon]").get_attribute("href") == "/static/favicon.svg"
    scripts = page.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    assert all(s.startswith(web.url) for s in scripts), scripts  # nothing from elsewhere
    assert page.locator("#faq summary", has_text="Can I change my mind?").is_visible()
    field = page.locator("form.share-host input[name=host]")
    field.fill("not a server at all")
    page.locator("form.share-host button").click()
    page.locator("form.share-host .error").wait_for()
    assert "does not look right" in page.inner_text("form.share-host .error")
    assert field.input_value() == "not a server at all"  # what was typed, kept
    with page.expect_download() as download:
        page.click("#add-to-calendar")
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert "BEGIN:VEVENT" in ics and "SUMMARY:Release: Save the river" in ics


def test_a_supporter_deletes_their_post_after_the_release(
    runtime: Runtime,
    sandbox: RunningSandbox,
    web: LiveWeb,
    new_page: NewPage,
    release_due: None,  # noqa: F811
) -> None:
    """No peer offers it: after the release the manage page deletes the post on the platform
    (signing in once more, since the connection was deleted) and the report says so."""
    runtime.settings.release_prepare_lead_s = 2.0
    now = utcnow()
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(session, owner.owner.id, goal=1)
        pledge = factories.pledge_with_real_tokens(runtime, session, campaign, platform="x",
                                                   username="kim")  # fmt: skip
        campaign.pledge_deadline = now + timedelta(seconds=2)
        campaign.release_at = now + timedelta(seconds=5)
        session.add(campaign)
        assert pledge.id is not None and campaign.id is not None
        pledge_id, campaign_id = pledge.id, campaign.id
    from amplifier.web.pages import manage_path

    page = new_page(**PHONE)
    page.goto(web.url + manage_path(runtime, pledge_id))
    assert page.locator("#delete-post-link").count() == 0  # nothing to delete before T
    page.locator("#outcome-sentence a", has_text="see it on X").wait_for(timeout=40_000)
    page.reload()  # the offer is made when the page is drawn after the release
    page.click("#delete-post-link")
    page.click("#delete-post")  # "Sign in to X and delete my post"
    page.fill("#username", "kim")
    page.fill("#followers", "100")
    page.click("text=Authorize app")
    page.locator("h1", has_text="Your post is deleted").wait_for()
    page.click("text=Back to your pledge")
    assert page.inner_text("#pledge-status") == "deleted by the supporter"
    assert "you deleted it from X afterwards" in page.inner_text("#outcome-sentence")
    assert page.locator("#delete-post-link").count() == 0
    stored = [p for p in posts_of(sandbox.x_url) if p["username"] == "kim"]
    assert [p["deleted"] for p in stored] == [True]
    with runtime.db.session() as session:
        row = session.exec(select(Delivery).where(Delivery.pledge_id == pledge_id)).one()
        campaign_row = session.get(Campaign, campaign_id)
        assert campaign_row is not None
        report = build_report(session, campaign_row)
    assert (
        row.status == "deleted" and row.error and row.error.startswith("deleted by its supporter")
    )
    assert report.counts == {"deleted": 1}
