"""Doubts the release engine settles by looking, against the sandbox over HTTP (issue 7)."""

from __future__ import annotations

from sqlmodel import Session, select

from amplifier.campaigns.report import build_report
from amplifier.models import Campaign, Delivery, Pledge
from amplifier.platforms.x import XAdapter
from amplifier.pledges.pledging import tokens_of
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests.release.test_release import _armed_campaign, _posts


def test_duplicate_refusal_after_an_ambiguous_try_is_reported_posted_with_its_link(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    """An earlier try reached X but its answer was lost; the resend is refused as a duplicate.
    The post exists: the owner's report must say posted, with the link, not failed."""
    campaign_id, (pledge_id,) = _armed_campaign(runtime, [("x", "twice")])
    assert runtime.collect_due_work().releases == [campaign_id]
    with runtime.db.session() as session:
        pledge = session.get(Pledge, pledge_id)
        assert pledge is not None
        earlier = _x_adapter(runtime, session).publish(
            tokens_of(pledge, runtime.cipher), pledge.post_text, idempotency_key="lost"
        )
        delivery = session.exec(select(Delivery)).one()
        delivery.attempts, delivery.sent_at = 1, utcnow()  # that earlier, unanswered try
        session.add(delivery)
    runtime.release(campaign_id)
    assert [p["id"] for p in _posts(sandbox)] == [earlier.remote_id]
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        (line,) = build_report(session, campaign).posts
    assert (line.status, line.url, line.attempts) == ("posted", earlier.url, 2)


def _x_adapter(runtime: Runtime, session: Session) -> XAdapter:
    adapter = runtime.connectors.for_platform(session, "x", "")
    assert isinstance(adapter, XAdapter)
    return adapter
