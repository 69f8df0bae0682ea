"""Preparation in pages (release/pages.py): two preparers on one campaign share its pages, each
page prepared by one of them, and a page whose preparer stopped renewing its claim is taken
over. Counted on the sandbox's X token endpoint, which answers every refresh it is sent (a
rotated refresh token works once, so a second refresh of one pledge would answer 400)."""

from __future__ import annotations

import threading
from datetime import timedelta

import requests
from sqlmodel import col, select, update

from amplifier.models import Campaign, Pledge, PreparePage
from amplifier.release import pages
from amplifier.release.credentials import RefreshLocks
from amplifier.release.prepare import Preparation, begin_preparation, create_deliveries
from amplifier.release.prepare import prepare_pages as run_pages
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories


def _campaign(rt: Runtime, n: int, *, release_in: timedelta) -> int:
    """A campaign of `n` X pledges with real sandbox tokens, all expiring now, rows made."""
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        row = factories.campaign(session, owner.owner.id, goal=n)
        for i in range(n):
            factories.pledge_with_real_tokens(rt, session, row, platform="x", username=f"pg{i}")
        assert row.id is not None
        campaign_id = row.id
    with rt.db.session() as session:
        session.execute(
            update(Pledge)
            .where(col(Pledge.campaign_id) == campaign_id)
            .values(token_expires_at=utcnow())
        )
        session.execute(
            update(Campaign)
            .where(col(Campaign.id) == campaign_id)
            .values(release_at=utcnow() + release_in)
        )
        create_deliveries(session, campaign_id=campaign_id, now=utcnow())
    return campaign_id


def _refreshes(sandbox: RunningSandbox) -> dict[str, int]:
    stats = requests.get(f"{sandbox.x_url}/_sandbox/stats", timeout=5).json()["answers"]
    answers: dict[str, int] = stats.get("POST /2/oauth2/token", {})
    return answers


def _latency(sandbox: RunningSandbox, ms: int) -> None:
    requests.post(
        f"{sandbox.x_url}/_sandbox/faults", json={"latency_ms": ms}, timeout=5
    ).raise_for_status()


def _pages(rt: Runtime, campaign_id: int) -> list[PreparePage]:
    with rt.db.session() as session:
        return list(
            session.exec(
                select(PreparePage)
                .where(PreparePage.campaign_id == campaign_id)
                .order_by(col(PreparePage.number))
            ).all()
        )


def test_two_preparers_share_the_pages_and_refresh_each_pledge_once(
    runtime: Runtime, sandbox: RunningSandbox, redis_url: str
) -> None:
    campaign_id = _campaign(runtime, 12, release_in=timedelta(hours=1))
    before = _refreshes(sandbox)
    begun = begin_preparation(runtime.db, campaign_id=campaign_id, now=utcnow(), page_size=2)
    assert not begun.prepared and len(_pages(runtime, campaign_id)) == 6
    _latency(sandbox, 250)  # each page takes a while: the two preparers overlap
    results: dict[str, Preparation | BaseException] = {}
    readies: list[str] = []
    start = threading.Barrier(2)

    def preparer(name: str) -> None:
        start.wait()
        try:
            results[name] = run_pages(
                runtime.db,
                runtime.connectors,
                runtime.cipher,
                campaign_id=campaign_id,
                now=utcnow(),
                stale_s=5,
                locks=RefreshLocks(redis_url, lease_s=10, wait_s=10, prefix=f"pp:{campaign_id}"),
                on_ready=lambda: readies.append(name),
                preparer_id=name,
            )
        except BaseException as exc:  # reported by the assertions below
            results[name] = exc

    threads = [threading.Thread(target=preparer, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    _latency(sandbox, 0)

    done = {name: r for name, r in results.items() if isinstance(r, Preparation)}
    assert set(done) == {"a", "b"}, results
    after = _refreshes(sandbox)
    assert after.get("200", 0) - before.get("200", 0) == 12  # one refresh per pledge
    assert after.get("400", 0) == before.get("400", 0)  # never a spent refresh token again
    rows = _pages(runtime, campaign_id)
    assert [(p.status, p.claims) for p in rows] == [("done", 1)] * 6  # each page claimed once
    assert done["a"].pages + done["b"].pages == 6
    assert done["a"].pages > 0 and done["b"].pages > 0  # both worked
    assert {p.claimed_by.split("#")[0] for p in rows if p.claimed_by} == {"a", "b"}
    assert len(readies) == 1  # the firers are queued once
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None and campaign.prepared_at is not None
    assert begin_preparation(runtime.db, campaign_id=campaign_id, now=utcnow()).prepared


def test_a_page_whose_preparer_stopped_renewing_is_taken_over(
    runtime: Runtime, sandbox: RunningSandbox, redis_url: str
) -> None:
    """A preparer killed mid-page leaves its claim as it was: `preparing`, never renewed again.
    The next preparer waits for it while it is fresh, and takes it over once it is stale."""
    campaign_id = _campaign(runtime, 4, release_in=timedelta(hours=1))
    before = _refreshes(sandbox).get("200", 0)
    begin_preparation(runtime.db, campaign_id=campaign_id, now=utcnow(), page_size=2)
    with runtime.db.session() as session:  # the dead preparer took the first page just now
        dead = pages.claim(
            session, campaign_id=campaign_id, token="dead#1", now=utcnow(), stale_s=2
        )
    assert dead is not None and dead.number == 0
    readies: list[bool] = []
    got = run_pages(
        runtime.db,
        runtime.connectors,
        runtime.cipher,
        campaign_id=campaign_id,
        now=utcnow(),
        stale_s=2,
        locks=RefreshLocks(redis_url, lease_s=10, wait_s=10, prefix=f"pp:{campaign_id}"),
        on_ready=lambda: readies.append(True),
        preparer_id="alive",
    )
    rows = _pages(runtime, campaign_id)
    assert [(p.status, p.claims) for p in rows] == [("done", 2), ("done", 1)]
    assert rows[1].claimed_by == "alive#1"  # the free page first; the held one waited for
    assert rows[0].claimed_by is not None and rows[0].claimed_by.startswith("alive#")
    assert got.pages == 2 and got.refreshed == 4 and readies == [True]
    assert _refreshes(sandbox).get("200", 0) - before == 4
    with runtime.db.session() as session:  # the dead preparer, waking up, cannot mark it
        assert not pages.done(session, dead, now=utcnow())


def test_at_t_the_firers_are_queued_while_pages_are_still_being_prepared(
    runtime: Runtime, sandbox: RunningSandbox, redis_url: str
) -> None:
    """A late preparation: T has come. The campaign is stamped prepared at once (firing starts
    on time) and the preparer still prepares every page; rows a firer reaches first are
    refreshed at their send instead (send.py)."""
    campaign_id = _campaign(runtime, 4, release_in=timedelta(seconds=-1))
    begin_preparation(runtime.db, campaign_id=campaign_id, now=utcnow(), page_size=2)
    readies: list[int] = []

    def on_ready() -> None:
        readies.append(sum(p.status == "done" for p in _pages(runtime, campaign_id)))

    got = run_pages(
        runtime.db,
        runtime.connectors,
        runtime.cipher,
        campaign_id=campaign_id,
        now=utcnow(),
        locks=RefreshLocks(redis_url, lease_s=10, wait_s=10, prefix=f"pp:{campaign_id}"),
        on_ready=on_ready,
    )
    assert readies == [0]  # before the first page, and only once
    assert got.pages == 2 and got.refreshed == 4
    assert [p.status for p in _pages(runtime, campaign_id)] == ["done", "done"]
