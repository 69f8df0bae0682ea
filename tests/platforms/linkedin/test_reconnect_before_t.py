"""A LinkedIn pledge whose 60 days end before T is asked to reconnect before T (issue 11).

The preflight finds it without asking LinkedIn (the token's end is known and cannot be moved),
marks its connection dead with the reason, and the supporter's manage page shows the reconnect
link; a pledge whose connection outlives T is left alone.
"""

from __future__ import annotations

from datetime import timedelta

from amplifier.models import Campaign, Pledge
from amplifier.platforms.base import TokenSet
from amplifier.pledges.pledging import store_tokens
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.supporter_links import manage_path
from tests import factories
from tests.web.conftest import ClientFactory, make_client  # noqa: F401  (the fixture)


def _pledge(rt: Runtime, campaign: Campaign, handle: str, ends_in: timedelta) -> int:
    with rt.db.session() as session:
        assert campaign.id is not None
        row = Pledge(
            campaign_id=campaign.id,
            platform="linkedin",
            instance_url="",
            account_id=f"member-{handle}",
            handle=handle,
            followers=0,
            post_text=campaign.post_text(),
        )
        tokens = TokenSet("access", expires_at=utcnow() + ends_in, extras={"member_id": handle})
        store_tokens(row, tokens, rt.cipher)
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def test_a_connection_ending_before_t_is_asked_to_reconnect(
    runtime: Runtime,
    make_client: ClientFactory,  # noqa: F811
) -> None:
    now = utcnow()
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        campaign = factories.campaign(
            session,
            owner.owner.id,
            deadline=now + timedelta(hours=6),
            release=now + timedelta(hours=12),
        )
    ending = _pledge(runtime, campaign, "Ada Lovelace", timedelta(hours=11))
    lasting = _pledge(runtime, campaign, "Grace Hopper", timedelta(days=20))

    run = runtime.preflight()

    assert run.dead == 1
    with runtime.db.session() as session:
        dead, alive = session.get(Pledge, ending), session.get(Pledge, lasting)
        assert dead is not None and alive is not None
        assert "cannot be renewed: connect the account again" in (dead.connection_problem or "")
        assert alive.connection_problem is None
    page = make_client().get(manage_path(runtime, ending)).text
    assert 'id="reconnect-link"' in page and "cannot be renewed" in page
    assert 'id="reconnect-link"' not in make_client().get(manage_path(runtime, lasting)).text
