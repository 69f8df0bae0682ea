"""Deleting a post after the release, refused in words where it cannot be done: before the
post went out, by another account than the pledged one (nothing deleted, nothing kept), and a
second time."""

from __future__ import annotations

from collections.abc import Callable

import requests
from sqlmodel import select

from amplifier.demo.browser import form_token
from amplifier.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    OAuthAttempt,
    Pledge,
)
from amplifier.platforms.base import PlatformAdapter
from amplifier.pledges.pledging import forget_tokens, tokens_of
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.web.pages import manage_path
from tests import factories
from tests.conftest import LiveWeb
from tests.platforms.helpers import posts


def _posted(rt: Runtime, username: str) -> tuple[int, str]:
    """A released campaign whose one post went out on the sandbox (tokens then forgotten)."""
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(session, owner.owner.id, goal=1)
        pledge = factories.pledge_with_real_tokens(rt, session, campaign, platform="x",
                                                   username=username)  # fmt: skip
        adapter: PlatformAdapter = rt.connectors.for_platform(session, "x", "")
        post = adapter.publish(tokens_of(pledge, rt.cipher), campaign.post_text(),
                               idempotency_key="k")  # fmt: skip
        assert pledge.id is not None and campaign.id is not None
        session.add(Delivery(pledge_id=pledge.id, campaign_id=campaign.id, status="posted",
                             remote_id=post.remote_id, remote_url=post.url))  # fmt: skip
        campaign.status = CampaignStatus.RELEASED
        pledge.access_token_enc = pledge.refresh_token_enc = None
        session.add_all([campaign, pledge])
        return pledge.id, post.remote_id


def _sign_in_and_delete(
    web: LiveWeb, path: str, username: str, meanwhile: Callable[[], None] = lambda: None
) -> requests.Response:
    """The manage page's button, the platform's sign-in as `username`, back to amplifier;
    `meanwhile` runs while the supporter is on the platform's page."""
    with requests.Session() as browser:
        page = browser.get(web.url + path, timeout=10)
        assert page.status_code == 200, page.text
        start = browser.post(
            web.url + path, data={"csrf": form_token(page)}, allow_redirects=False, timeout=10
        )
        assert start.status_code == 303, start.text
        meanwhile()
        answer = browser.post(
            start.headers["location"],
            data={"username": username, "followers": "5", "decision": "approve"},
            allow_redirects=False,
            timeout=10,
        )
        return browser.get(answer.headers["location"], timeout=10)


def test_another_account_deletes_nothing_and_the_right_one_deletes_once(
    runtime: Runtime, sandbox: RunningSandbox, web: LiveWeb
) -> None:
    pledge_id, remote_id = _posted(runtime, "lou")
    path = manage_path(runtime, pledge_id) + "/delete-post"
    wrong = _sign_in_and_delete(web, path, "not_lou")
    assert wrong.status_code == 409
    assert "That is not the account you pledged with" in wrong.text
    assert "nothing was deleted" in wrong.text and manage_path(runtime, pledge_id) in wrong.text
    assert [p["deleted"] for p in posts(sandbox.x_url) if p["id"] == remote_id] == [False]
    done = _sign_in_and_delete(web, path, "lou")
    assert done.status_code == 200 and "Your post is deleted" in done.text
    assert [p["deleted"] for p in posts(sandbox.x_url) if p["id"] == remote_id] == [True]
    again = requests.get(web.url + path, timeout=10)
    assert again.status_code == 409 and "Your post is already deleted" in again.text
    with runtime.db.session() as session:
        row = session.exec(select(Delivery).where(Delivery.pledge_id == pledge_id)).one()
        assert row.status == DeliveryStatus.DELETED
        attempts = session.exec(select(OAuthAttempt)).all()
        assert all(a.access_token_enc is None for a in attempts)  # nothing of theirs kept
        pledge = session.get(Pledge, pledge_id)
        assert pledge is not None and pledge.access_token_enc is None
        assert pledge.refresh_token_enc is None
        campaign = session.exec(select(Campaign)).one()
        assert campaign.status == CampaignStatus.RELEASED


def test_the_release_ending_while_the_supporter_signs_in_keeps_their_sign_in(
    runtime: Runtime, sandbox: RunningSandbox, web: LiveWeb
) -> None:
    """A supporter who asked to delete their post while the last posts were still going out
    came back to "We have no record of this sign-in": the release's end forgot every sign-in
    of the campaign, theirs too."""
    pledge_id, remote_id = _posted(runtime, "mo")

    def release_ends() -> None:
        with runtime.db.session() as session:
            pledge = session.get(Pledge, pledge_id)
            assert pledge is not None
            forget_tokens(session, campaign_id=pledge.campaign_id)

    path = manage_path(runtime, pledge_id) + "/delete-post"
    done = _sign_in_and_delete(web, path, "mo", meanwhile=release_ends)
    assert done.status_code == 200 and "Your post is deleted" in done.text, done.text
    assert [p["deleted"] for p in posts(sandbox.x_url) if p["id"] == remote_id] == [True]


def test_before_the_post_went_out_there_is_nothing_to_delete(
    runtime: Runtime, sandbox: RunningSandbox, web: LiveWeb
) -> None:
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(session, owner.owner.id, goal=1)
        pledge = factories.pledge_with_real_tokens(runtime, session, campaign, platform="x",
                                                   username="mo")  # fmt: skip
        assert pledge.id is not None
        pledge_id = pledge.id
    path = manage_path(runtime, pledge_id)
    assert "delete-post-link" not in requests.get(web.url + path, timeout=10).text
    refused = requests.get(f"{web.url}{path}/delete-post", timeout=10)
    assert refused.status_code == 409 and "There is no post to delete" in refused.text
