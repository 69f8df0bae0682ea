"""Two workers refreshing the same Bluesky sessions at once: under the refresh lock
(credentials.py) each session is refreshed once, both end with the one valid rotated pair, and
the pair still posts (its DPoP key kept)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlmodel import col, update

from amplifier.models import Pledge
from amplifier.pledges.pledging import store_tokens
from amplifier.release.credentials import Refreshed, RefreshLocks, refresh_pledge
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from tests import factories

from .bluesky_helpers import client_site, make_adapter
from .test_bluesky_contract import connect


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[str, Any]]:
    with client_site() as found:
        yield found


def _token_answers(base: str) -> dict[str, int]:
    stats = requests.get(f"{base}/_sandbox/stats", timeout=5).json()["answers"]
    answers: dict[str, int] = stats.get("POST /oauth/token", {})
    return answers


def test_two_workers_refreshing_one_session_end_with_the_one_valid_pair(
    runtime: Runtime, sandbox: Any, redis_url: str, site: tuple[str, Any]
) -> None:
    base = str(sandbox.bluesky_url).rstrip("/")
    adapter = make_adapter(base, site[0], site[1], timeout=10.0)
    ids = []
    with runtime.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        row = factories.campaign(session, owner.owner.id, goal=3)
        assert row.id is not None
        for i in range(3):
            tokens = connect(adapter, base, f"rot{i}")
            pledge = Pledge(
                campaign_id=row.id,
                platform="bluesky",
                instance_url=base,
                account_id=tokens.extras["did"],
                handle=f"@rot{i}.bsky.sandbox",
                followers=1,
                post_text=row.post_text(),
            )
            store_tokens(pledge, tokens, runtime.cipher)
            session.add(pledge)
            session.flush()
            assert pledge.id is not None
            ids.append(pledge.id)
    with runtime.db.session() as session:
        session.execute(
            update(Pledge).where(col(Pledge.id).in_(ids)).values(token_expires_at=utcnow())
        )
    before = _token_answers(base).get("200", 0)
    requests.post(f"{base}/_sandbox/faults", json={"latency_ms": 300}, timeout=5)
    prefix = f"test-refresh:{time.time_ns()}"
    workers = [RefreshLocks(redis_url, lease_s=10, wait_s=10, prefix=prefix) for _ in range(2)]
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
                    fresh_until=utcnow() + timedelta(minutes=10),
                )
            except BaseException as exc:  # reported by the assertion below
                results[(w, pledge_id)] = exc

    threads = [threading.Thread(target=work, args=(w,)) for w in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    requests.post(f"{base}/_sandbox/faults", json={"latency_ms": 0}, timeout=5)

    assert {k: repr(v) for k, v in results.items() if isinstance(v, BaseException)} == {}
    assert _token_answers(base).get("200", 0) - before == len(ids)  # one refresh each
    for pledge_id in ids:
        a, b = results[(0, pledge_id)], results[(1, pledge_id)]
        assert isinstance(a, Refreshed) and isinstance(b, Refreshed)
        assert a.tokens.refresh_token == b.tokens.refresh_token
        assert {a.by_us, b.by_us} == {True, False}
        post = adapter.publish(a.tokens, f"still connected {pledge_id}", idempotency_key="-")
        assert post.remote_id.startswith("at://")
