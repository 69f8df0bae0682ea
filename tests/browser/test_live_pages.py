"""Issue 16 in a real browser: pages that move by themselves, the owner's own time zone, and a
390-px phone that never scrolls sideways."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from amplifier.models import Campaign, Owner
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories
from tests.browser.conftest import PHONE, NewPage
from tests.conftest import LiveWeb

# every sentence the page shows, in order, recorded in the page itself (a reload would lose it)
_RECORD = """() => {
  window.__seen = [document.getElementById("state-sentence").textContent];
  new MutationObserver(() => {
    const now = document.getElementById("state-sentence").textContent;
    if (window.__seen[window.__seen.length - 1] !== now) { window.__seen.push(now); }
  }).observe(document.getElementById("campaign-state"),
             {childList: true, subtree: true, characterData: true});
}"""


@pytest.fixture
def release_due(runtime: Runtime) -> Iterator[None]:
    """What `amplifier release-due` (cron) does, every 0.2 s: judge deadlines, release at T."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            work = runtime.collect_due_work()
            for campaign_id in work.releases:
                runtime.release(campaign_id)
            stop.wait(0.2)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(30)


def test_the_public_page_moves_across_the_deadline_and_t_by_itself(
    runtime: Runtime, sandbox: RunningSandbox, web: LiveWeb, new_page: NewPage, release_due: None
) -> None:
    """At the deadline the countdown used to ask the visitor to reload; 56 s before T the page
    said the posts were going out. Now one loaded page walks through every state on its own."""
    runtime.settings.release_prepare_lead_s = 3.0
    now = utcnow()
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(session, owner.owner.id, goal=2)
        for name in ("ann", "ben"):
            factories.pledge_with_real_tokens(runtime, session, campaign, platform="x",
                                              username=name)  # fmt: skip
        campaign.pledge_deadline = now + timedelta(seconds=4)
        campaign.release_at = now + timedelta(seconds=11)
        session.add(campaign)
        slug = campaign.slug
    page = new_page()
    page.goto(f"{web.url}/c/{slug}")
    page.evaluate(_RECORD)
    assert page.locator("#pledge").is_visible()
    assert "Pledging closes in" in page.locator("#countdown").inner_text()
    page.locator("#state-sentence", has_text="Released:").wait_for(timeout=40_000)
    seen: list[str] = page.evaluate("window.__seen")
    starts = [s.split(":")[0].split(" (")[0] for s in seen]
    assert starts[0].startswith("Taking pledges until")
    order = ["The goal was reached", "Preparing the release", "Released"]
    # each state the page showed, in this order and without a reload; on a busy machine the
    # judging and the preparation may both fall between two polls, so one of the two suffices
    found = [next((i for i, s in enumerate(starts) if s.startswith(w)), -1) for w in order]
    shown = [i for i in found if i >= 0]
    assert found[2] >= 0 and len(shown) >= 2 and shown == sorted(shown), seen
    assert "going out now" not in " ".join(seen[: max(found[:2]) + 1])  # not before T
    assert "Released: 2 posts went out together" in seen[-1]
    assert page.locator("#pledge").is_hidden()  # the forms went when pledging closed
    assert page.evaluate("window.__seen !== undefined")  # the same document all along


def test_the_new_campaign_form_takes_the_browsers_zone_and_shows_the_instant(
    runtime: Runtime, web: LiveWeb, new_page: NewPage
) -> None:
    page = new_page(timezone_id="America/New_York")
    page.goto(f"{web.url}/signup")
    page.fill("input[name=email]", "ny@example.org")
    page.fill("input[name=name]", "New Yorker")
    page.fill("input[name=password]", "correct horse battery")
    page.fill("input[name=password_again]", "correct horse battery")
    page.click("button[type=submit]")
    page.goto(f"{web.url}/owner/campaigns/new")
    assert page.input_value("input[name=timezone]") == "America/New_York"  # not UTC, without a word
    year = utcnow().year + 1
    page.fill("input[name=title]", "Keep the library open")
    page.fill("textarea[name=story]", "It closes at six.")
    page.fill("textarea[name=message_text]", "Open late! #Library")
    page.fill("input[name=goal]", "10")
    page.fill("input[name=pledge_deadline]", f"{year}-12-01T17:00")
    page.fill("input[name=release_at]", f"{year}-12-01T18:00")
    preview = page.locator("#release_at-preview")
    preview.filter(has_text="EST in America/New_York").wait_for()
    assert "23:00 UTC" in preview.inner_text() and "18:00 EST" in preview.inner_text()
    page.fill("input[name=release_at]", f"{year}-03-{_second_sunday(year, 3):02d}T02:30")
    preview.filter(has_text="does not exist").wait_for()
    page.fill("input[name=release_at]", f"{year}-12-01T18:00")
    preview.filter(has_text="23:00 UTC").wait_for()
    page.click("text=Schedule the campaign")
    page.wait_for_url(re.compile(r"/owner/campaigns/\d+\?created=1"))
    with runtime.db.session() as session:
        campaign = session.exec(select(Campaign)).one()
        owner = session.get(Owner, campaign.owner_id)
    assert owner is not None and owner.email == "ny@example.org"
    assert campaign.release_at == datetime(year, 12, 1, 23, 0, tzinfo=UTC)


def _second_sunday(year: int, month: int) -> int:
    return next(d for d in range(8, 15) if datetime(year, month, d).weekday() == 6)


def _no_sideways_scroll(page: object) -> None:
    """Nothing reaches past the phone's 390 CSS px (a mobile browser zooms out to show what is
    wider, so window.innerWidth would grow with the page and hide the fault)."""
    screen = PHONE["viewport"]["width"]  # type: ignore[index]
    wide = page.evaluate(  # type: ignore[attr-defined]
        """() => Math.max(document.documentElement.scrollWidth,
             ...Array.from(document.querySelectorAll("body *"))
                .map(e => Math.ceil(e.getBoundingClientRect().right)))"""
    )
    assert wide <= screen, f"the page is {wide} px wide on a {screen} px screen"


def _phone_campaign(runtime: Runtime) -> str:
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        title = "Keep the public library on Elm Street open late"
        return factories.campaign(session, owner.owner.id, goal=3, title=title).slug


def test_the_progress_track_stands_out_from_the_page(
    runtime: Runtime, web: LiveWeb, new_page: NewPage
) -> None:
    """The empty track had 1.26:1 against the page; WCAG 1.4.11 asks 3:1."""
    phone = new_page(**PHONE)
    phone.goto(f"{web.url}/c/{_phone_campaign(runtime)}")
    _no_sideways_scroll(phone)
    ratio = phone.evaluate(_TRACK_CONTRAST)
    assert ratio >= 3, f"the progress track has {ratio:.2f}:1 against the page"


def test_on_a_390_px_phone_the_confirmation_page_does_not_scroll_sideways(
    runtime: Runtime, sandbox: RunningSandbox, web: LiveWeb, new_page: NewPage
) -> None:
    """The one page that shows the manage link: the link did not wrap."""
    phone = new_page(**PHONE)
    phone.goto(f"{web.url}/c/{_phone_campaign(runtime)}")
    phone.click("text=Pledge with X")
    phone.fill("#username", "a_supporter_with_a_long_name")
    phone.fill("#followers", "12")
    phone.click("text=Authorize app")
    phone.click("button[type=submit]")  # "I agree: post this once at the release time"
    phone.locator("#manage-link").wait_for()
    assert "/p/" in phone.locator("#manage-link").inner_text()
    _no_sideways_scroll(phone)


def test_on_a_390_px_phone_the_dashboard_breaks_titles_between_words(
    runtime: Runtime, web: LiveWeb, new_page: NewPage
) -> None:
    desk = new_page(**PHONE)
    desk.goto(f"{web.url}/signup")
    desk.fill("input[name=email]", "phone@example.org")
    desk.fill("input[name=name]", "Phone Owner")
    desk.fill("input[name=password]", "correct horse battery")
    desk.fill("input[name=password_again]", "correct horse battery")
    desk.click("button[type=submit]")
    with runtime.db.session() as session:
        me = session.exec(select(Owner).where(Owner.email == "phone@example.org")).one()
        assert me.id is not None
        factories.campaign(session, me.id, title="Keep the public library on Elm Street open late")
        factories.campaign(session, me.id, title="Accessibility improvements everywhere")
    desk.goto(f"{web.url}/owner")
    _no_sideways_scroll(desk)
    split = desk.evaluate(_WORDS_SPLIT_ACROSS_LINES)
    assert split == [], f"words broken across lines: {split}"


_TRACK_CONTRAST = """() => {
  const bar = document.querySelector("progress.bar");
  const s = getComputedStyle(bar);
  const edge = parseFloat(s.borderTopWidth) > 0 ? s.borderTopColor : s.backgroundColor;
  const page = getComputedStyle(document.body).backgroundColor;
  const rgb = c => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const lum = c => {
    const [r, g, b] = rgb(c).map(v => v / 255)
      .map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const bg = page === "rgba(0, 0, 0, 0)" ? "rgb(255, 255, 255)" : page;
  const [a, b] = [lum(edge), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""

_WORDS_SPLIT_ACROSS_LINES = """() => {
  const split = [];
  document.querySelectorAll("#campaigns a[href^='/owner/campaigns/']").forEach(a => {
    const node = a.firstChild; const text = node.textContent;
    const re = /\\S+/g; let m;
    while ((m = re.exec(text))) {
      const r = document.createRange();
      r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
      const lines = new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top)));
      if (lines.size > 1) { split.push(m[0]); }
    }
  });
  return split;
}"""


def test_a_supporters_manage_page_follows_the_release(
    runtime: Runtime, sandbox: RunningSandbox, web: LiveWeb, new_page: NewPage, release_due: None
) -> None:
    """The manage page said "reload this page after that time"; it now shows the post's link
    when the release has published it, by itself."""
    runtime.settings.release_prepare_lead_s = 2.0
    now = utcnow()
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(session, owner.owner.id, goal=1)
        pledge = factories.pledge_with_real_tokens(runtime, session, campaign, platform="x",
                                                   username="kim")  # fmt: skip
        campaign.pledge_deadline = now + timedelta(seconds=2)
        campaign.release_at = now + timedelta(seconds=6)
        session.add(campaign)
        assert pledge.id is not None
        pledge_id = pledge.id
    from amplifier.web.pages import manage_path

    page = new_page()
    page.goto(web.url + manage_path(runtime, pledge_id))
    assert "Reload" not in page.inner_text("body")
    page.locator("#outcome-sentence a", has_text="see it on X").wait_for(timeout=40_000)
    assert page.inner_text("#pledge-status") == "posted"


def test_on_a_375_px_phone_the_new_campaign_form_does_not_scroll_sideways(
    web: LiveWeb, new_page: NewPage
) -> None:
    """The "how X supporters take part" list's long options made the form 975 px wide."""
    phone = new_page(**{**PHONE, "viewport": {"width": 375, "height": 812}})
    phone.goto(f"{web.url}/signup")
    phone.fill("input[name=email]", "narrow@example.org")
    phone.fill("input[name=name]", "Narrow")
    phone.fill("input[name=password]", "correct horse battery")
    phone.fill("input[name=password_again]", "correct horse battery")
    phone.click("button[type=submit]")
    phone.goto(f"{web.url}/owner/campaigns/new")
    assert phone.locator("select").count() > 0  # the lists that were too wide are there
    wide = phone.evaluate(
        """() => Math.max(document.documentElement.scrollWidth,
             ...Array.from(document.querySelectorAll("body *"))
                .map(e => Math.ceil(e.getBoundingClientRect().right)))"""
    )
    assert wide <= 375, f"the form is {wide} px wide on a 375 px screen"
