"""The release (the domain functions beat and cron call) meeting answers X's and Mastodon's
documentation does not promise, against the sandbox over HTTP.

Before the one translation per platform, X's release path let a raw JSONDecodeError escape on a
201 whose JSON was cut short: the row ended "unconfirmed" at once, with no look-up, although X
had created the post.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from amplifier.models import Delivery
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from tests.release.test_release import _admin, _armed_campaign, _posts, _release_due


@pytest.mark.parametrize("platform", ["x", "mastodon"])
def test_a_success_cut_short_ends_posted_with_its_id(
    runtime: Runtime, sandbox: RunningSandbox, platform: str
) -> None:
    base = sandbox.x_url if platform == "x" else sandbox.mastodon_urls[0]
    _armed_campaign(runtime, [(platform, "cut")])
    _admin(base, "faults", {"answer_fault": "truncated_json", "answer_fault_next": 1})
    _release_due(runtime)
    [post] = _posts(sandbox)
    with runtime.db.session() as session:
        delivery = session.exec(select(Delivery)).one()
        assert (delivery.status, delivery.remote_id) == ("posted", str(post["id"]))


@pytest.mark.parametrize("platform", ["x", "mastodon"])
def test_an_html_503_is_retried_then_posted(
    runtime: Runtime, sandbox: RunningSandbox, platform: str
) -> None:
    base = sandbox.x_url if platform == "x" else sandbox.mastodon_urls[0]
    _armed_campaign(runtime, [(platform, "proxied")])
    _admin(
        base,
        "faults",
        {"answer_fault": "html_error", "answer_fault_next": 1, "error_status": 503},
    )
    _release_due(runtime)
    assert [p["username"] for p in _posts(sandbox)] == ["proxied"]
    with runtime.db.session() as session:
        delivery = session.exec(select(Delivery)).one()
        assert (delivery.status, delivery.attempts) == ("posted", 2)
