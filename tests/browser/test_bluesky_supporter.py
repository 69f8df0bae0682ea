"""A Bluesky supporter in a real browser: the wording box counts to Bluesky's own limit, and a
second pledge from the browser that made the first opens that pledge instead of a dead end.

Found by the fresh-user trial: the box said "70 of 326 characters (256 left)" beside "your
platform's limit of 300 characters", took 311 and the server refused them; and "You have
already pledged" only pointed at a mail the supporter may never have asked for.
"""

from __future__ import annotations

from typing import Any

from amplifier.campaigns.lifecycle import create_campaign
from amplifier.campaigns.rules import CampaignCreate
from amplifier.platforms.bluesky.settings import BlueskySettings
from amplifier.runtime import Runtime
from tests import factories
from tests.browser.conftest import NewPage
from tests.conftest import LiveWeb

LINK = "https://example.org/meadow"


def _campaign(runtime: Runtime, sandbox: Any) -> str:
    url = str(sandbox.bluesky_url).rstrip("/")
    runtime.settings.platforms["bluesky"] = BlueskySettings(  # type: ignore[call-arg]
        _env_file=None, allow_http=True, handle_resolver=url, plc_directory=url, web_base=url
    )
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        payload = factories.payload(
            platforms=["bluesky"],
            message_text="Keep the river meadow green! #SaveTheMeadow",
            link=LINK,
            personalisation_allowed=True,
            personal_required=["#SaveTheMeadow"],
        )
        row = create_campaign(
            session,
            owner_id=owner.owner.id,
            data=CampaignCreate.model_validate(payload),
            enabled_platforms=["bluesky"],
            auto_approve=True,
        )
        return row.slug


def _sign_in(page: Any, web: LiveWeb, slug: str, name: str) -> None:
    """From the campaign page through the sandbox PDS's consent screen, back to amplifier."""
    page.goto(f"{web.url}/c/{slug}")
    page.fill("#instance-bluesky", f"{name}.bsky.sandbox")
    page.get_by_role("button", name="Pledge with Bluesky").click()
    page.fill("input[name=username]", name)
    page.get_by_role("button", name="Authorize app").click()
    page.get_by_role("heading", name="Confirm your pledge").wait_for()


def test_the_wording_box_stops_where_bluesky_does(
    runtime: Runtime, sandbox: Any, web: LiveWeb, new_page: NewPage
) -> None:
    slug = _campaign(runtime, sandbox)
    page = new_page()
    _sign_in(page, web, slug, "nell")
    box = page.locator("#personal-text")
    count = page.locator("#personal-count")
    assert "of 300 characters" in count.inner_text(), count.inner_text()
    box.fill("Keep the river meadow green! " + "x" * 300 + f" #SaveTheMeadow {LINK}")
    assert len(box.input_value()) == 300
    assert "the box is full" in count.inner_text()
    box.fill(f"Save the meadow, it is ours. #SaveTheMeadow {LINK}")
    page.get_by_role("button", name="I agree").click()
    page.get_by_role("heading", name="Thank you, @nell.bsky.sandbox").wait_for()


def test_a_second_pledge_from_the_same_browser_opens_the_first(
    runtime: Runtime, sandbox: Any, web: LiveWeb, new_page: NewPage
) -> None:
    slug = _campaign(runtime, sandbox)
    page = new_page()
    _sign_in(page, web, slug, "ola")
    page.get_by_role("button", name="I agree").click()
    page.get_by_role("heading", name="Thank you, @ola.bsky.sandbox").wait_for()
    manage_url = page.locator("#manage-link").get_attribute("href")
    _sign_in(page, web, slug, "ola")
    page.get_by_role("button", name="I agree").click()
    page.get_by_role("heading", name="You have already pledged").wait_for()
    assert "Open it below" in page.inner_text("body")
    page.get_by_role("link", name="Open your pledge").click()
    page.get_by_role("heading", name="Your pledge for").wait_for()
    assert page.url == manage_url
    assert "@ola.bsky.sandbox on Bluesky" in page.inner_text("body")

    elsewhere = new_page()  # another browser: nothing of that pledge is shown, words instead
    _sign_in(elsewhere, web, slug, "ola")
    elsewhere.get_by_role("button", name="I agree").click()
    elsewhere.get_by_role("heading", name="You have already pledged").wait_for()
    assert "link in the confirmation mail" in elsewhere.inner_text("body")
    assert elsewhere.get_by_role("link", name="Open your pledge").count() == 0
