"""A campaign with an image released to LinkedIn (uploaded during preparation, named at T) and
Tumblr (nothing staged: the bytes go in the multipart post at T), through the engine over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from amplifier.db import Database
from amplifier.media.attach import attach_image
from amplifier.models import DeliveryStatus
from amplifier.platforms.registry import declaration
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories
from tests.conftest import make_settings
from tests.factories.images import png
from tests.factories.releases import (
    ALT,
    armed_with_image,
    assert_each_carries_the_image,
    deliveries_by_handle,
    owners_campaign,
    release_due,
    sandbox_posts,
)

PEOPLE = [("linkedin", "ann"), ("linkedin", "ben"), ("tumblr", "cat"), ("tumblr", "dan")]


@pytest.fixture
def runtime(tmp_path: Path, database: Database, sandbox: RunningSandbox) -> Iterator[Runtime]:
    """The shared runtime's settings, with LinkedIn and Tumblr pointed at the sandbox."""
    extra = {}
    for name in ("linkedin", "tumblr"):
        for key, value in declaration(name).sandbox_env(sandbox.announced).items():
            extra[key.removeprefix("AMPLIFIER_").lower()] = value
    rt = Runtime.from_settings(make_settings(tmp_path, database.url, sandbox, **extra))
    rt.db.dispose()
    rt.db = database
    yield rt


def _bases(sandbox: RunningSandbox) -> list[str]:
    return [str(sandbox.linkedin_url).rstrip("/"), str(sandbox.tumblr_url).rstrip("/")]


def _posts(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    return sandbox_posts(*_bases(sandbox))


def _reset(sandbox: RunningSandbox) -> None:
    for base in _bases(sandbox):
        requests.post(f"{base}/_sandbox/reset", timeout=10).raise_for_status()


def _armed_with_image(rt: Runtime, people: list[tuple[str, str]]) -> int:
    """A LinkedIn and Tumblr campaign with an image, a real pledge each, its deadline passed."""
    return armed_with_image(rt, people, platforms="linkedin,tumblr")


def test_linkedin_and_tumblr_posts_carry_the_image_once(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    _reset(sandbox)
    campaign_id = _armed_with_image(runtime, PEOPLE)
    release_due(runtime)
    posts = _posts(sandbox)
    assert_each_carries_the_image(posts, ["ann", "ben", "cat", "dan"])
    rows = deliveries_by_handle(runtime, campaign_id)
    assert all(d.status == DeliveryStatus.POSTED for d in rows.values())
    linkedin = [d for d in rows.values() if d.staged_ids]
    assert len(linkedin) == 2  # LinkedIn stages its uploads; Tumblr stages nothing
    assert all("urn:li:image:" in (d.staged_ids or "") for d in linkedin)


def test_an_upload_failing_for_one_linkedin_member_drops_only_that_post(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    _reset(sandbox)
    requests.post(
        f"{str(sandbox.linkedin_url).rstrip('/')}/_sandbox/faults",
        json={"media_fail_next": 1, "error_status": 400},
        timeout=5,
    ).raise_for_status()
    campaign_id = _armed_with_image(runtime, [("linkedin", "ann"), ("linkedin", "ben")])
    release_due(runtime)
    posts = _posts(sandbox)
    assert len(posts) == 1 and posts[0]["media"][0]["description"] == ALT
    failed = [
        d for d in deliveries_by_handle(runtime, campaign_id).values() if d.status == "failed"
    ]
    assert len(failed) == 1 and "media could not be prepared" in (failed[0].error or "")


def test_an_x_token_from_before_images_drops_its_post_with_a_reconnect_reason(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    with runtime.db.session() as session:
        row = owners_campaign(session, goal=2)
        attach_image(session, row, png(), ALT, prepare_lead_s=60)
        for username in ("old", "new"):
            pledge = factories.pledge_with_real_tokens(
                runtime, session, row, platform="x", username=username, followers=10
            )
            if username == "old":  # pledged before media.write was asked
                pledge.token_scope = "tweet.read tweet.write users.read offline.access"
                session.add(pledge)
        row.pledge_deadline = utcnow() - timedelta(seconds=2)
        row.release_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        assert row.id is not None
        campaign_id = row.id
    release_due(runtime)
    posts = requests.get(f"{sandbox.x_url}/_sandbox/posts", timeout=5).json()["posts"]
    assert [p["username"] for p in posts] == ["new"]  # no text-only post for "old"
    rows = deliveries_by_handle(runtime, campaign_id)
    failed = [d for d in rows.values() if d.status == DeliveryStatus.FAILED]
    assert len(failed) == 1 and "connect the account again" in (failed[0].error or "")
