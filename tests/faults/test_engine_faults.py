"""The release engine's own faults (issue 7): a stalled worker, a dead one, the database gone,
429 windows, a platform outage, and a platform that creates a post and answers 503.

Same verdict as test_faults.py (harness.py): every pledge posted exactly once, or reported with a
reason; none early; none on the platform yet reported failed. Where the fault passes and nothing
refuses a post for good, every pledge must moreover end on the platform. X's own refusal of a
duplicate text is switched off in the emulator (`duplicate_window_s: 0`) wherever a second send
could otherwise hide behind it, so that a double send shows as a second post.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.faults.harness import RUNS, judge, scenario
from tests.faults.pg import throwaway_postgres
from tests.faults.workers import (
    require_every_pledge_posted,
    signal_worker,
    start_single_slot_workers,
)

pytestmark = [pytest.mark.slow, pytest.mark.faults]
RUN = pytest.mark.parametrize("run", range(RUNS))
NO_DUPLICATE_REFUSAL = {"duplicate_window_s": 0}
TWO_FIRERS = {
    "AMPLIFIER_RELEASE_STALE_S": "5",
    "AMPLIFIER_PLATFORM_TIMEOUT_S": "3",
    "AMPLIFIER_RELEASE_CONCURRENCY": "60",
    "AMPLIFIER_RELEASE_PAGE_SIZE": "60",
}


@RUN
def test_stalled_worker_resumed_after_its_claims_went_stale(
    tmp_path: Path, database_url: str | None, run: int
) -> None:
    """11. Two workers; one SIGSTOPped at T-0.25 s holding its first page, SIGCONT at T+8 s
    (stale time 5 s): the other settles and posts those rows; the stalled one must not."""
    name = "11 stalled worker"
    with scenario(
        tmp_path, name, run, database_url, worker=False, extra_env=TWO_FIRERS,
        supporters=80, release_in=20,
    ) as rel:  # fmt: skip
        start_single_slot_workers(rel, ["worker-a", "worker-b"])
        rel.set_faults(NO_DUPLICATE_REFUSAL, platform="x")
        rel.sleep_until_t(-0.25)
        signal_worker(rel, "worker-a", signal.SIGSTOP)
        rel.sleep_until_t(8.0)
        signal_worker(rel, "worker-a", signal.SIGCONT)
        rel.notes.append("worker-a stopped from T-0.25s to T+8s")
        v = judge(rel, after_t_s=40)
        require_every_pledge_posted(v)
    assert v.ok, v.explain()


@RUN
def test_one_of_two_workers_killed_at_t(tmp_path: Path, database_url: str | None, run: int) -> None:
    """12. kill -9 of one of two workers at T+0.3 s: every post out or settled by T+15 s."""
    with scenario(
        tmp_path, "12 kill -9 one of two", run, database_url, worker=False,
        extra_env=TWO_FIRERS, supporters=200, release_in=30,
    ) as rel:  # fmt: skip
        start_single_slot_workers(rel, ["worker-a", "worker-b"])
        rel.set_faults(NO_DUPLICATE_REFUSAL, platform="x")
        rel.sleep_until_t(0.3)
        rel.kill9("worker-a")
        v = judge(rel, after_t_s=15)
        require_every_pledge_posted(v)
    assert v.ok, v.explain()


@RUN
def test_database_stopped_for_three_seconds_at_t(tmp_path: Path, run: int) -> None:
    """13. The database server itself stopped at T+0.3 s and started 3 s later (a cluster of
    this test's own, never the shared one): firers carry on, nothing lost, settled by T+20 s."""
    env = {"AMPLIFIER_RELEASE_CONCURRENCY": "10"}
    with throwaway_postgres() as pg, scenario(
        tmp_path, "13 database down 3s at T", run, pg.url, extra_env=env, supporters=80,
        release_in=26,
    ) as rel:  # fmt: skip
        rel.set_faults(NO_DUPLICATE_REFUSAL, platform="x")
        rel.sleep_until_t(0.3)
        pg.stop("fast")
        time.sleep(3.0)
        pg.start()
        rel.notes.append("database stopped at T+0.3s, started 3s later")
        v = judge(rel, after_t_s=20)
        require_every_pledge_posted(v)
    assert v.ok, v.explain()


@RUN
def test_429_windows_never_spend_attempts(
    tmp_path: Path, database_url: str | None, run: int
) -> None:
    """14. X's app limit at 6 posts per 3 s window from T-1 s: every X pledge waits for a reset,
    none is failed "rate limited", and no 429 counts as an attempt."""
    env = {"AMPLIFIER_RELEASE_CONCURRENCY": "10"}
    with scenario(
        tmp_path, "14 429 windows", run, database_url, extra_env=env, supporters=60,
        release_in=18,
    ) as rel:  # fmt: skip
        rel.sleep_until_t(-1.0)
        rel.set_faults({"rate_limit": {"app_limit": 6, "app_window_s": 3}}, platform="x")
        v = judge(rel, after_t_s=45)
        require_every_pledge_posted(v)
        spent = [p for p in rel.report()["posts"] if p["attempts"] != 1]
        v.problems += [f"{p['handle']}: {p['attempts']} attempts ({p['error']})" for p in spent]
    assert v.ok, v.explain()


@RUN
def test_platform_outage_at_t(tmp_path: Path, database_url: str | None, run: int) -> None:
    """15. Every request (posts and look-ups) answered 502 from T-1 s to T+8 s: the posts
    wait and go out afterwards; none ends unconfirmed, none twice."""
    with scenario(tmp_path, "15 502 outage T-1..T+8", run, database_url, supporters=40) as rel:
        rel.set_faults(NO_DUPLICATE_REFUSAL, platform="x")
        rel.sleep_until_t(-1.0)
        rel.set_faults({"error_rate": 1.0, "error_status": 502, "scope": "all"})
        rel.sleep_until_t(8.0)
        rel.set_faults({"error_rate": 0.0})
        v = judge(rel, after_t_s=45)
        require_every_pledge_posted(v)
    assert v.ok, v.explain()


@RUN
def test_latency_spike_over_the_timeout(tmp_path: Path, database_url: str | None, run: int) -> None:
    """16. From T to T+4 s every answer takes 2.5 s against a 1 s timeout: the posts made during
    the spike are found, the others sent afterwards; none ends unconfirmed, none twice."""
    env = {"AMPLIFIER_PLATFORM_TIMEOUT_S": "1"}
    with scenario(
        tmp_path, "16 latency spike 2.5s > 1s", run, database_url, extra_env=env, supporters=40
    ) as rel:
        rel.set_faults(NO_DUPLICATE_REFUSAL, platform="x")
        rel.sleep_until_t(0.0)
        rel.set_faults({"latency_ms": 2500})
        rel.sleep_until_t(4.0)
        rel.set_faults({"latency_ms": 300})
        v = judge(rel, after_t_s=45)
        require_every_pledge_posted(v)
    assert v.ok, v.explain()


@pytest.mark.parametrize("refusal", ["refusal off", "refusal on"])
@RUN
def test_x_creates_the_post_then_answers_503(
    tmp_path: Path, database_url: str | None, run: int, refusal: str
) -> None:
    """17. X stores 12 posts but answers 503 for each. With X's duplicate refusal off a resend
    would show as a second post; with it on, as a post reported failed "duplicate"."""
    with scenario(tmp_path, f"17 X 503 after create ({refusal})", run, database_url) as rel:
        if refusal == "refusal off":
            rel.set_faults(NO_DUPLICATE_REFUSAL, platform="x")
        rel.sleep_until_t(-1.0)
        rel.set_faults({"fail_after_accept_next": 12, "error_status": 503}, platform="x")
        v = judge(rel, after_t_s=40)
        require_every_pledge_posted(v)
    assert v.ok, v.explain()
