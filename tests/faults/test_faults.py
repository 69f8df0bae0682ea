"""Faults during a release, on real parts: every pledge posted exactly once, or reported.

Each test starts the whole stack (sandbox, Redis, web app, Celery worker and beat), has
SUPPORTERS sandbox users pledge over X and Mastodon through the web app, makes the sandbox slow
(LATENCY_MS) so the release lasts a few seconds, injects one fault just before or during the
release, waits (bounded) for every pledge to have a final outcome and judges it (harness.py).
`AMPLIFIER_FAULT_RUNS` repeats each scenario; the table at the end of the session sums them up.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.faults.harness import RUNS, judge, scenario, terminate_postgres_backends

pytestmark = [pytest.mark.slow, pytest.mark.faults]
RUN = pytest.mark.parametrize("run", range(RUNS))
FAKETIME_LIB = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


@RUN
def test_worker_killed_mid_release_then_replaced(
    tmp_path: Path, database_url: str | None, run: int
) -> None:
    """1. kill -9 of the only worker at a random point of the release; a new one starts."""
    with scenario(tmp_path, "1 kill -9 worker", run, database_url) as rel:
        rel.mid_release()
        rel.kill9("worker")
        time.sleep(0.5)
        rel.start_worker("worker2")
        v = judge(rel)
    assert v.ok, v.explain()


@RUN
def test_redis_restarted_mid_release(tmp_path: Path, database_url: str | None, run: int) -> None:
    """2. The (embedded) redis-server killed and started again on the same port, mid-release."""
    with scenario(tmp_path, "2 redis restart", run, database_url, own_redis=True) as rel:
        rel.mid_release()
        rel.restart_redis(down_s=1.0)
        v = judge(rel)
    assert v.ok, v.explain()


@RUN
def test_database_connections_dropped_mid_release(
    tmp_path: Path, database_url: str | None, run: int
) -> None:
    """3. Every connection to the database terminated, twice, during the release."""
    if database_url is None:
        pytest.skip(
            "SQLite has no server connections to drop: set AMPLIFIER_TEST_POSTGRES_URL "
            "to run this scenario on PostgreSQL"
        )
    with scenario(tmp_path, "3 db connections dropped", run, database_url) as rel:
        rel.mid_release()
        first = terminate_postgres_backends(database_url)
        time.sleep(1.5)
        second = terminate_postgres_backends(database_url)
        rel.notes.append(f"terminated {first} then {second} backends")
        v = judge(rel)
    assert v.ok, v.explain()


@RUN
def test_two_beats_at_once(tmp_path: Path, database_url: str | None, run: int) -> None:
    """4. Two Celery beat processes tick side by side through the deadline and the release."""
    with scenario(tmp_path, "4 two beats", run, database_url) as rel:
        rel.start_beat("beat2")
        v = judge(rel)
    assert v.ok, v.explain()


@RUN
def test_release_due_twice_beside_beat(tmp_path: Path, database_url: str | None, run: int) -> None:
    """5. Two `amplifier release-due --within 20` (cron) run beside beat over T."""
    with scenario(tmp_path, "5 release-due x2 + beat", run, database_url) as rel:
        rel.sleep_until_t(-8.0)
        crons = [rel.release_due(within=20), rel.release_due(within=20)]
        v = judge(rel)
        codes: list[int | None] = []
        for cron in crons:
            try:
                codes.append(cron.wait(max(5.0, rel.seconds_to_t() + 40)))
            except subprocess.TimeoutExpired:
                codes.append(None)
        if any(code != 0 for code in codes):
            v.problems.append(
                f"release-due exit codes {codes} (logs in {tmp_path / 'logs'}/release-due-*.log)"
            )
    assert v.ok, v.explain()


@RUN
def test_platforms_answer_5xx(tmp_path: Path, database_url: str | None, run: int) -> None:
    """6. 30 % of writes answered 503 from just before T; mid-release, 500 instead."""
    with scenario(tmp_path, "6 sandbox 5xx", run, database_url) as rel:
        rel.sleep_until_t(-1.0)
        rel.set_faults({"error_rate": 0.3, "error_status": 503, "scope": "posts"})
        rel.mid_release()
        rel.set_faults({"error_status": 500})
        v = judge(rel)
    assert v.ok, v.explain()


@RUN
def test_platforms_time_out_after_accepting(
    tmp_path: Path, database_url: str | None, run: int
) -> None:
    """7. Posts stored by the platform whose answer never comes within the platform timeout."""
    env = {"AMPLIFIER_PLATFORM_TIMEOUT_S": "1"}
    with scenario(tmp_path, "7 timeout after accept", run, database_url, extra_env=env) as rel:
        rel.sleep_until_t(-1.0)
        rel.set_faults({"timeout_after_accept_next": 3, "hang_s": 5})
        rel.mid_release()
        rel.set_faults({"timeout_after_accept_next": 3, "hang_s": 5})
        v = judge(rel)
    assert v.ok, v.explain()


@RUN
def test_rate_limited_with_reset_headers(
    tmp_path: Path, database_url: str | None, run: int
) -> None:
    """8. X's app-wide limit made tiny (8 posts per 5 s window): 429s with reset headers.

    The X sandbox reports both the per-user 15-minute window (x-rate-limit-*, untouched) and the
    app window (x-app-limit-24hour-*, the exhausted one, resetting within 5 s) on every answer.
    """
    with scenario(tmp_path, "8 429 app limit", run, database_url) as rel:
        rel.sleep_until_t(-1.0)
        rel.set_faults({"rate_limit": {"app_limit": 8, "app_window_s": 5}}, platform="x")
        v = judge(rel)
    assert v.ok, v.explain()


@RUN
def test_revoked_tokens_reported_failed(tmp_path: Path, database_url: str | None, run: int) -> None:
    """9. A few supporters revoke the app before T: reported failed with a reason, others post."""
    with scenario(tmp_path, "9 revoked tokens (401)", run, database_url) as rel:
        revoked = set()
        for platform in ("x", "mastodon"):
            mine = [p for p in rel.people if p.platform == platform][1:4]
            for who in mine:
                assert rel.revoke(who.username, platform) >= 1
                revoked.add(who.username)
        rel.notes.append(f"revoked {sorted(revoked)}")
        v = judge(rel, must_fail=revoked)
        expected_posted = len(rel.people) - len(revoked)
        if v.posted != expected_posted:
            v.problems.append(
                f"{v.posted} posted, expected every one of the {expected_posted} others"
            )
    assert v.ok, v.explain()


def _faketime_env(offset: str) -> dict[str, str]:
    """A process whose wall clock is `offset` off while its monotonic clock stays true."""
    shim = str(Path(__file__).parent / "faketime_shim")  # time.sleep, see its docstring
    inherited = os.environ.get("PYTHONPATH")
    return {
        "LD_PRELOAD": str(FAKETIME_LIB),
        "FAKETIME": offset,
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "PYTHONPATH": shim + (os.pathsep + inherited if inherited else ""),
    }


PROBE = """
import datetime, time
m = time.monotonic()
time.sleep(0.2)
slept = time.monotonic() - m
print(time.time(), datetime.datetime.now(datetime.UTC).timestamp(), slept)
"""


def _measured_skew(offset: str) -> float:
    """How far a Python child's clocks are off under libfaketime (and that it can still sleep)."""
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, **_faketime_env(offset)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert probe.returncode == 0, f"a Python child under libfaketime failed: {probe.stderr}"
    now = time.time()
    wall, dt_now, slept = (float(x) for x in probe.stdout.split())
    assert 0.15 < slept < 1.0, f"time.sleep(0.2) took {slept:.3f}s under libfaketime"
    assert abs((dt_now - now) - (wall - now)) < 0.5, "datetime.now and time.time disagree"
    return wall - now


@pytest.mark.parametrize("skew", ["+3s", "-3s"])
@RUN
def test_worker_clock_off(tmp_path: Path, database_url: str | None, run: int, skew: str) -> None:
    """10. The only worker's wall clock off by a few seconds: no post may leave before T."""
    if not FAKETIME_LIB.exists() or shutil.which("faketime") is None:
        pytest.skip(f"libfaketime is missing ({FAKETIME_LIB}): apt-get install -y faketime")
    wanted = float(skew.rstrip("s"))
    measured = _measured_skew(skew)
    assert abs(measured - wanted) < 0.5, (
        f"FAKETIME={skew} under LD_PRELOAD shifted time.time() by {measured:+.2f}s in a child"
    )
    name = f"10 worker clock {skew}"
    with scenario(tmp_path, name, run, database_url, worker=False) as rel:
        rel.start_worker("skewed-worker", _faketime_env(skew))
        rel.notes.append(f"worker clock measured {measured:+.2f}s off")
        v = judge(rel)
    assert v.ok, v.explain()
