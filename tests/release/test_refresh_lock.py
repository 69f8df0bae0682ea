"""One refresher per pledge credential, across workers: two threads with their own Redis
connections (as two workers would hold) refresh the same pledges at once against the sandbox's
X token endpoint, which rotates refresh tokens (a refresh token works once).

Without the lock both threads send the same refresh token; the sandbox answers the second with
`invalid_grant`, and that pledge would be reported "authorization revoked".
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
import redis
import requests
from sqlmodel import col, update

from amplifier.models import Pledge
from amplifier.platforms.base import TokenSet
from amplifier.platforms.x import XAdapter
from amplifier.release.credentials import RefreshBusy, Refreshed, RefreshLocks, refresh_pledge
from amplifier.runtime import Runtime
from amplifier.sandbox import RunningSandbox
from amplifier.timeutil import utcnow
from tests import factories


def _pledges(rt: Runtime, n: int) -> list[int]:
    """X pledges holding real sandbox tokens, marked as expiring now (as prepare finds them)."""
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        row = factories.campaign(session, owner.owner.id, goal=n)
        ids = []
        for i in range(n):
            pledge = factories.pledge_with_real_tokens(
                rt, session, row, platform="x", username=f"rot{i}"
            )
            assert pledge.id is not None
            ids.append(pledge.id)
    with rt.db.session() as session:
        session.execute(
            update(Pledge).where(col(Pledge.id).in_(ids)).values(token_expires_at=utcnow())
        )
    return ids


def _token_answers(sandbox: RunningSandbox) -> dict[str, int]:
    stats = requests.get(f"{sandbox.x_url}/_sandbox/stats", timeout=5).json()["answers"]
    answers: dict[str, int] = stats.get("POST /2/oauth2/token", {})
    return answers


def _faults(sandbox: RunningSandbox, body: dict[str, Any]) -> None:
    requests.post(f"{sandbox.x_url}/_sandbox/faults", json=body, timeout=5).raise_for_status()


def test_two_workers_refreshing_the_same_pledges_both_end_with_the_one_valid_pair(
    runtime: Runtime, sandbox: RunningSandbox, redis_url: str
) -> None:
    ids = _pledges(runtime, 4)
    before = _token_answers(sandbox).get("200", 0)  # the code exchanges of the pledges
    _faults(sandbox, {"latency_ms": 300})  # each refresh takes a while: the two overlap
    prefix = f"test-refresh:{time.time_ns()}"
    workers = [RefreshLocks(redis_url, lease_s=10, wait_s=10, prefix=prefix) for _ in range(2)]
    adapter = _x(runtime)
    fresh_until = utcnow() + timedelta(minutes=30)
    results: dict[tuple[int, int], Refreshed | BaseException] = {}
    start = threading.Barrier(2)

    def work(w: int) -> None:
        start.wait()
        for pledge_id in ids:
            try:
                results[(w, pledge_id)] = refresh_pledge(
                    runtime.db,
                    runtime.cipher,
                    adapter,
                    pledge_id,
                    locks=workers[w],
                    fresh_until=fresh_until,
                )
            except BaseException as exc:  # reported by the assertion below
                results[(w, pledge_id)] = exc

    threads = [threading.Thread(target=work, args=(w,)) for w in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    _faults(sandbox, {"latency_ms": 0})

    errors = {k: repr(v) for k, v in results.items() if isinstance(v, BaseException)}
    assert errors == {}
    answers = _token_answers(sandbox)
    assert answers.get("400", 0) == 0, answers  # no invalid_grant: never the same token twice
    assert answers.get("200", 0) - before == len(ids)  # one refresh per pledge, not two
    for pledge_id in ids:
        a, b = results[(0, pledge_id)], results[(1, pledge_id)]
        assert isinstance(a, Refreshed) and isinstance(b, Refreshed)
        assert a.tokens.access_token == b.tokens.access_token
        assert {a.by_us, b.by_us} == {True, False}
        with runtime.db.session() as session:  # stored at once: what the next reader sees
            row = session.get(Pledge, pledge_id)
            assert row is not None and row.access_token_enc is not None
            stored = runtime.cipher.decrypt(row.access_token_enc)
        assert stored == a.tokens.access_token
        post = adapter.publish(a.tokens, f"still connected {pledge_id}", idempotency_key="-")
        assert post.remote_id


def test_a_dead_refreshers_lock_is_free_after_its_lease(
    runtime: Runtime, sandbox: RunningSandbox, redis_url: str
) -> None:
    """A worker killed while refreshing never releases its lock; the next one waits one lease
    at most, and one that cannot wait that long is told so (nothing was sent)."""
    (pledge_id,) = _pledges(runtime, 1)
    prefix = f"test-refresh:{time.time_ns()}"
    client = redis.Redis.from_url(redis_url)
    try:
        dead = client.lock(f"{prefix}:pledge:{pledge_id}", timeout=1.5, thread_local=False)
        assert dead.acquire(blocking=False)  # and never released: the holder was killed
        adapter = _x(runtime)
        impatient = RefreshLocks(redis_url, lease_s=10, wait_s=0.2, prefix=prefix)
        with pytest.raises(RefreshBusy):
            refresh_pledge(
                runtime.db,
                runtime.cipher,
                adapter,
                pledge_id,
                locks=impatient,
                fresh_until=utcnow() + timedelta(minutes=30),
            )
        assert _token_answers(sandbox).get("200", 0) == 1  # only the pledge's code exchange
        patient = RefreshLocks(redis_url, lease_s=10, wait_s=5, prefix=prefix)
        began = time.monotonic()
        got = refresh_pledge(
            runtime.db,
            runtime.cipher,
            adapter,
            pledge_id,
            locks=patient,
            fresh_until=utcnow() + timedelta(minutes=30),
        )
        assert got.by_us and isinstance(got.tokens, TokenSet)
        assert time.monotonic() - began < 5  # the dead holder's lease ran out
    finally:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()


def test_a_pair_refreshed_after_the_tokens_were_deleted_is_not_written_back(
    runtime: Runtime, sandbox: RunningSandbox
) -> None:
    """The supporter deletes their data while their refresh is on the wire: the rotated pair
    the platform sends back is dropped, not stored again (SECURITY.md, token lifetime)."""
    (pledge_id,) = _pledges(runtime, 1)
    _faults(sandbox, {"latency_ms": 1000})
    outcome: list[BaseException | Refreshed] = []

    def refresh() -> None:
        try:
            outcome.append(
                refresh_pledge(
                    runtime.db,
                    runtime.cipher,
                    _x(runtime),
                    pledge_id,
                    locks=RefreshLocks(None, lease_s=10, wait_s=1),
                    fresh_until=utcnow() + timedelta(minutes=30),
                )
            )
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=refresh)
    worker.start()
    time.sleep(0.4)  # the refresh is on the wire
    with runtime.db.session() as session:  # as "Delete my data" does
        session.execute(
            update(Pledge)
            .where(col(Pledge.id) == pledge_id)
            .values(access_token_enc=None, refresh_token_enc=None, token_expires_at=None)
        )
    worker.join(30)
    _faults(sandbox, {"latency_ms": 0})
    assert _token_answers(sandbox).get("200", 0) == 2  # the exchange, then the refresh
    assert len(outcome) == 1 and isinstance(outcome[0], ValueError)
    with runtime.db.session() as session:
        row = session.get(Pledge, pledge_id)
        assert row is not None
        assert (row.access_token_enc, row.refresh_token_enc) == (None, None)


def _x(runtime: Runtime) -> XAdapter:
    with runtime.db.session() as session:
        adapter = runtime.connectors.for_platform(session, "x", "")
    assert isinstance(adapter, XAdapter)
    return adapter
