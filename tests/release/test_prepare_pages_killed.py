"""A preparer killed with SIGKILL in the middle of a preparation page (issue 15): its page is
taken over by another worker, every pledge is prepared once, and the release goes on.

Real parts only: the sandbox, Redis and the database of a local stack (amplifier/demo/stack.py),
Celery beat handing the campaign out, and two single-slot Celery workers. Worker A takes the
campaign's first page and refreshes some of its pledges; the test holds the refresh locks of the
others (as a firer refreshing them at its send would), so that A is killed at a known point:
between refreshes, some of its page's pledges prepared and some not. (A refresh the platform
completes after its caller died spends the pledge's refresh token, and no worker can ever read
the new pair: no takeover can mend that, so this test does not aim the kill there.) B then gets the
campaign at the next hand-out (A's lease lapses), prepares the free page and takes A's page over
once its claim is stale.

Counted on the sandbox's X token endpoint, which answers every refresh it is sent (a rotated
refresh token works once, so a second refresh of one pledge would answer 400), and on its posts.
Deadlines are generous and only bound the waiting; nothing is timed.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis
import requests
import sqlalchemy as sa
from sqlmodel import col, select, update

from amplifier.demo.stack import LocalStack, local_stack
from amplifier.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, Pledge, PreparePage
from amplifier.supervisor import ManagedProcess, beat_argv, worker_argv
from amplifier.timeutil import utcnow
from tests import factories

pytestmark = pytest.mark.slow
POSTGRES_URL = os.environ.get("AMPLIFIER_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("AMPLIFIER_TEST_REDIS_URL")
PLEDGES, PAGE = 8, 4  # two pages
FREE = 2  # pledges (the first by id, all in the first page) whose refresh is not held back
RELEASE_IN = timedelta(seconds=60)
ENV = {
    "AMPLIFIER_RELEASE_PREPARE_PAGE_SIZE": str(PAGE),
    "AMPLIFIER_RELEASE_PREPARE_TASKS": "1",  # one preparer per hand-out: A, then B
    "AMPLIFIER_RELEASE_PREPARE_LEAD_S": "120",  # handed out at once (T is 60 s away)
    "AMPLIFIER_RELEASE_LEASE_S": "6",
    "AMPLIFIER_RELEASE_STALE_S": "3",
    "AMPLIFIER_X_ALLOW_SIMILAR_TEXTS": "true",  # every supporter posts the campaign's text
}
T = TypeVar("T")


def _empty_postgres(url: str) -> str:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LocalStack]:
    """A stack without web app or worker: beat ticks, the test starts the workers."""
    database_url = None
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("set AMPLIFIER_TEST_POSTGRES_URL to run the PostgreSQL variant")
        database_url = _empty_postgres(POSTGRES_URL)
    if REDIS_URL:  # messages and locks left by an earlier run must not reach this one
        redis.Redis.from_url(REDIS_URL).flushdb()
    with local_stack(
        tmp_path,
        database_url=database_url,
        redis_url=REDIS_URL,
        web=False,
        worker=False,
        beat=False,
        extra_env=ENV,
    ) as running:
        yield running


def _until(what: str, probe: Callable[[], T | None], timeout: float = 60) -> T:
    """Poll `probe` until it answers something truthy; fail saying what never happened."""
    end = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > end:
            pytest.fail(f"{what}: not within {timeout:.0f}s")
        time.sleep(0.2)


def _worker(stack: LocalStack, name: str) -> ManagedProcess:
    proc = stack.processes.start(name, worker_argv(name=name, concurrency=1), env=stack.env)
    assert proc.log_path is not None
    log = proc.log_path
    _until(f"{name} ready", lambda: log.exists() and " ready." in log.read_text(errors="replace"))
    return proc


def _kill9(proc: ManagedProcess) -> None:
    with suppress(ProcessLookupError):
        os.killpg(proc.proc.pid, signal.SIGKILL)  # the worker and its pool child
    proc.proc.wait(30)
    proc.name += " (killed)"


def _token_answers(stack: LocalStack) -> Counter[str]:
    stats = requests.get(f"{stack.x_url}/_sandbox/stats", timeout=10).json()["answers"]
    return Counter(stats.get("POST /2/oauth2/token", {}))


def _campaign(stack: LocalStack) -> tuple[int, list[int]]:
    """A campaign of PLEDGES X pledges with real sandbox tokens, not yet armed."""
    rt = stack.runtime
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        row = factories.campaign(session, owner.owner.id, goal=PLEDGES)
        for i in range(PLEDGES):
            factories.pledge_with_real_tokens(rt, session, row, platform="x", username=f"k{i}")
        assert row.id is not None
        campaign_id = row.id
        ids = session.exec(
            select(Pledge.id).where(Pledge.campaign_id == campaign_id).order_by(col(Pledge.id))
        ).all()
    return campaign_id, [i for i in ids if i is not None]


def _arm(stack: LocalStack, campaign_id: int) -> None:
    """Goal met, tokens expiring now, T ahead: the next tick hands it out for preparation."""
    now = utcnow()
    with stack.runtime.db.session() as session:
        session.execute(
            update(Pledge)
            .where(col(Pledge.campaign_id) == campaign_id)
            .values(token_expires_at=now)
        )
        session.execute(
            update(Campaign)
            .where(col(Campaign.id) == campaign_id)
            .values(
                status=CampaignStatus.ARMED,
                pledge_deadline=now - timedelta(seconds=1),
                release_at=now + RELEASE_IN,
            )
        )


def _pages(stack: LocalStack, campaign_id: int) -> list[PreparePage]:
    with stack.runtime.db.session() as session:
        return list(
            session.exec(
                select(PreparePage)
                .where(PreparePage.campaign_id == campaign_id)
                .order_by(col(PreparePage.number))
            ).all()
        )


def _refreshed(stack: LocalStack, campaign_id: int) -> set[int]:
    """Pledges whose token was refreshed for the release (valid past T)."""
    with stack.runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        rows = session.exec(
            select(Pledge.id, Pledge.token_expires_at).where(Pledge.campaign_id == campaign_id)
        ).all()
        release_at = campaign.release_at
    return {i for i, expires in rows if i is not None and expires and expires > release_at}


def _in_page(stack: LocalStack, page: PreparePage) -> set[int]:
    with stack.runtime.db.session() as session:
        ids = session.exec(
            select(Delivery.pledge_id).where(
                col(Delivery.id).between(page.first_delivery_id, page.last_delivery_id)
            )
        ).all()
    return set(ids)


def _released(stack: LocalStack, campaign_id: int) -> Counter[str] | None:
    """The delivery rows' outcomes once the campaign is released."""
    with stack.runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        if campaign.status != CampaignStatus.RELEASED:
            return None
        rows = session.exec(select(Delivery.status).where(Delivery.campaign_id == campaign_id))
        return Counter(str(s) for s in rows.all())


def _posts(stack: LocalStack) -> list[dict[str, Any]]:
    answer = requests.get(f"{stack.x_url}/_sandbox/posts", timeout=30)
    answer.raise_for_status()
    posts: list[dict[str, Any]] = answer.json()["posts"]
    return posts


def test_a_preparer_killed_mid_page_is_taken_over_and_each_pledge_prepared_once(
    stack: LocalStack,
) -> None:
    """Killed holding page 0 with 2 of its 4 pledges refreshed; B prepares page 1, takes page 0
    over, refreshes only the 2 left; one 200 per pledge, no 400, one post per pledge at T."""
    campaign_id, pledge_ids = _campaign(stack)
    held = [f"amplifier:refresh:pledge:{i}" for i in pledge_ids[FREE:]]
    locks = redis.Redis.from_url(stack.redis_url)
    for key in held:  # held the way another refresher holds them (credentials.py)
        assert locks.set(key, "held by the test", nx=True, px=300_000)
    worker_a = _worker(stack, "worker-a")
    before = _token_answers(stack)
    stack.processes.start("beat", _beat_argv(stack), env=stack.env)
    _arm(stack, campaign_id)

    # A holds the first page with some, not all, of its pledges prepared: kill it there
    first = _until(
        "worker A claims the first page and refreshes its free pledges",
        lambda: _claimed_with_some_refreshed(stack, campaign_id, set(pledge_ids[:FREE])),
    )
    page_pledges = _in_page(stack, first)
    assert set(pledge_ids[:FREE]) < page_pledges  # some of the page refreshed, not all
    assert _token_answers(stack) - before == Counter({"200": FREE})  # nothing else sent
    _kill9(worker_a)
    dead_claim = first.claimed_by
    rows = _pages(stack, campaign_id)
    assert [(p.status, p.claims) for p in rows] == [("preparing", 1), ("pending", 0)]
    assert rows[0].claimed_by == dead_claim
    locks.delete(*held)

    _worker(stack, "worker-b")
    _until(
        "worker B prepares every page",
        lambda: all(p.status == "done" for p in _pages(stack, campaign_id)),
        timeout=90,
    )
    rows = _pages(stack, campaign_id)
    assert [(p.status, p.claims) for p in rows] == [("done", 2), ("done", 1)]  # A's taken over
    taker = [(p.claimed_by or "").split("#")[0] for p in rows]
    assert taker[0] == taker[1] != (dead_claim or "").split("#")[0]  # B did both
    assert _refreshed(stack, campaign_id) == set(pledge_ids)
    answers = _token_answers(stack) - before
    assert answers == Counter({"200": PLEDGES})  # one refresh per pledge, none spent twice

    # and the release goes on: every pledge posted once at T
    deliveries = _until(
        "the campaign released",
        lambda: _released(stack, campaign_id),
        timeout=RELEASE_IN.total_seconds() + 90,
    )
    assert deliveries == Counter({DeliveryStatus.POSTED.value: PLEDGES})
    by_user = Counter(p["username"] for p in _posts(stack))
    assert by_user == Counter({f"k{i}": 1 for i in range(PLEDGES)})
    assert _token_answers(stack) - before == Counter({"200": PLEDGES})


def _claimed_with_some_refreshed(
    stack: LocalStack, campaign_id: int, free: set[int]
) -> PreparePage | None:
    rows = _pages(stack, campaign_id)
    if not rows or rows[0].status != "preparing" or _refreshed(stack, campaign_id) != free:
        return None
    return rows[0]


def _beat_argv(stack: LocalStack) -> list[str]:
    return list(beat_argv(stack.data_dir / "celerybeat-schedule"))
