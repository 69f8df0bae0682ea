"""A hostile Mastodon server during a release: it stores each status, then trickles its answer.

Issue 7, item 7. Before the total deadline, one such server kept a campaign releasing for ever
(each read got a byte within the per-read timeout) and every supporter's token was held. Now
every call ends at AMPLIFIER_PLATFORM_TIMEOUT_S: the statuses are resent with the same
Idempotency-Key (so never twice) until the retry window closes and then end `unconfirmed`, X's
pledges post, the campaign finishes, and the tokens are erased — all within BOUND_S of T.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from amplifier.models import Pledge
from tests.faults.harness import RUNS, judge, scenario

pytestmark = [pytest.mark.slow, pytest.mark.faults]
RUN = pytest.mark.parametrize("run", range(RUNS))
DEADLINE_S = 2  # AMPLIFIER_PLATFORM_TIMEOUT_S in this scenario
WINDOW_S = 15  # AMPLIFIER_RELEASE_RETRY_WINDOW_S: how long an unknown outcome is retried
# Every row final and the tokens erased this long after T: the retry window, one last call of
# DEADLINE_S begun just before it closed, plus the ticks, the X posts and a loaded machine.
BOUND_S = WINDOW_S + 30.0


@RUN
def test_trickling_server_cannot_hold_the_release(
    tmp_path: Path, database_url: str | None, run: int
) -> None:
    """11. The Mastodon host accepts every status from T on, then sends one byte a second."""
    env = {
        "AMPLIFIER_PLATFORM_TIMEOUT_S": str(DEADLINE_S),
        "AMPLIFIER_RELEASE_RETRY_WINDOW_S": str(WINDOW_S),
        "AMPLIFIER_RELEASE_CONCURRENCY": "50",
    }
    with scenario(tmp_path, "11 trickling server", run, database_url, extra_env=env) as rel:
        rel.sleep_until_t(-1.0)
        rel.set_faults(
            {
                "answer_fault": "trickle",
                "answer_fault_next": 100_000,
                "trickle_interval_s": 1.0,
                "scope": "posts",
            },
            platform="mastodon",
        )
        v = judge(rel, after_t_s=BOUND_S)
        if v.campaign_status != "released":
            v.problems.append(f"campaign {v.campaign_status}, not released")
        with rel.stack.runtime.db.session() as session:
            holding = session.exec(
                select(Pledge.id).where(
                    col(Pledge.access_token_enc).is_not(None)
                    | col(Pledge.refresh_token_enc).is_not(None)
                )
            ).all()
        if holding:
            v.problems.append(f"{len(holding)} pledges still hold a token after the release")
    assert v.ok, v.explain()
