"""Campaigns brought to their release against the sandbox, and what the emulators then hold.

Why here: the release tests (images on every platform, Meta's platforms, Threads) each made an
owner's campaign, moved its pledge deadline into the past, ran the engine until the posts
appeared and read them back from the emulators, in the same lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

import requests
from sqlmodel import Session, select

from amplifier.media.attach import attach_image
from amplifier.models import Campaign, Delivery, Pledge
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from tests.factories.campaigns import campaign
from tests.factories.images import png
from tests.factories.owners import owner
from tests.factories.pledges import pledge_with_real_tokens

ALT = "A heron standing in the shallow river at dawn"


def sandbox_posts(*bases: object) -> list[dict[str, Any]]:
    """Every post the emulators at `bases` hold, in their order."""
    posts: list[dict[str, Any]] = []
    for base in bases:
        url = f"{str(base).rstrip('/')}/_sandbox/posts"
        posts.extend(requests.get(url, timeout=5).json()["posts"])
    return posts


def owners_campaign(session: Session, *, goal: int, platforms: str | None = None) -> Campaign:
    """A new owner's campaign (`factories.campaign`), on `platforms` (a comma list, written
    after creation: the test settings enable X and Mastodon only) when given."""
    made = owner(session)
    assert made.owner.id is not None
    row = campaign(session, made.owner.id, goal=goal)
    if platforms is not None:
        row.platforms = platforms
        session.add(row)
    return row


def armed_with_image(
    rt: Runtime, people: Iterable[tuple[str, str]], *, platforms: str | None = None
) -> int:
    """A campaign with an image (alt text `ALT`), a real pledge for each (platform, user), its
    deadline and release time just passed; its id."""
    people = list(people)
    with rt.db.session() as session:
        row = owners_campaign(session, goal=len(people), platforms=platforms)
        attach_image(session, row, png(), ALT, prepare_lead_s=60)
        for platform, username in people:
            pledge_with_real_tokens(
                rt, session, row, platform=platform, username=username, followers=10
            )
        now = utcnow()
        row.pledge_deadline = now - timedelta(seconds=2)
        row.release_at = now - timedelta(seconds=1)
        session.add(row)
        assert row.id is not None
        return row.id


def release_due(rt: Runtime) -> None:
    """What the beat does once: judge deadlines, lease the due releases and run them."""
    work = rt.collect_due_work()
    for campaign_id in work.releases:
        rt.release(campaign_id)


def close_pledging(rt: Runtime, campaign_id: int | None, *, release_in_s: float) -> None:
    """The pledge deadline just passed, the release `release_in_s` seconds away."""
    with rt.db.session() as session:
        stored = session.get(Campaign, campaign_id)
        assert stored is not None
        stored.pledge_deadline = utcnow() - timedelta(seconds=2)
        stored.release_at = utcnow() + timedelta(seconds=release_in_s)
        session.add(stored)


def release_until(rt: Runtime, done: Callable[[], bool], *, seconds: float = 30) -> None:
    """Run the due releases until `done()` (at most `seconds`), then once more: a release run
    again must send nothing more."""
    deadline = utcnow() + timedelta(seconds=seconds)
    while utcnow() < deadline and not done():
        release_due(rt)
    release_due(rt)


def deliveries_by_handle(rt: Runtime, campaign_id: int) -> dict[str, Delivery]:
    """The campaign's delivery rows, by the pledging account's handle."""
    with rt.db.session() as session:
        rows = session.exec(
            select(Pledge.handle, Delivery)
            .join(Delivery, Delivery.pledge_id == Pledge.id)  # type: ignore[arg-type]
            .where(Delivery.campaign_id == campaign_id)
        ).all()
        return {handle: delivery for handle, delivery in rows}


def assert_each_carries_the_image(posts: list[dict[str, Any]], usernames: list[str]) -> None:
    """One post per user of `usernames`, each with the one image `armed_with_image` attached
    (a PNG, alt text `ALT`)."""
    assert sorted(p["username"] for p in posts) == sorted(usernames)
    for post in posts:
        assert len(post["media"]) == 1, post
        assert post["media"][0]["description"] == ALT
        assert post["media"][0]["type"] == "image/png"
