"""The whole service on real parts: sandbox, Redis, web under uvicorn, a Celery worker and beat.

Supporters pledge through the web app's pages and the sandbox's OAuth over HTTP; beat's tick and
`amplifier release-due` (cron) must each post every pledge exactly once, even side by side.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from amplifier.demo.browser import pledge
from amplifier.demo.checks import check_exactly_once, sandbox_posts
from amplifier.demo.run import approve_as_admin, make_supporters, schedule_campaign, wait_for_report
from amplifier.demo.stack import LocalStack, local_stack
from amplifier.owners.api_tokens import create_owner

pytestmark = pytest.mark.slow
POSTGRES_URL = os.environ.get("AMPLIFIER_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("AMPLIFIER_TEST_REDIS_URL")


def _empty_postgres(url: str) -> str:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("set AMPLIFIER_TEST_POSTGRES_URL to run the PostgreSQL variant")
        return _empty_postgres(POSTGRES_URL)
    return None


def _stack(tmp_path: Path, database_url: str | None, **kwargs: bool) -> Iterator[LocalStack]:
    if REDIS_URL:  # messages left by an earlier run must not wake this run's worker
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    # every X supporter here pledges the message itself: the distinct-text rule (X's automation
    # policy, tests/campaigns/test_posting_modes.py) is off for this stack, as in tests/conftest.py
    similar = {"AMPLIFIER_X_ALLOW_SIMILAR_TEXTS": "true"}
    with local_stack(
        tmp_path, database_url=database_url, redis_url=REDIS_URL, extra_env=similar, **kwargs
    ) as stack:
        yield stack


def _pledge_all(stack: LocalStack, supporters: int, release_in: float) -> tuple[str, dict, list]:
    with stack.runtime.db.session() as session:
        token = create_owner(session, name="E2E owner").token
    campaign = schedule_campaign(
        stack, token, goal=supporters, platforms=["x", "mastodon"], release_in=release_in
    )
    approve_as_admin(stack, campaign["id"])  # moderation is on, as in a public deployment
    people = make_supporters(supporters, ["x", "mastodon"], stack.mastodon_urls[0])
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda who: pledge(stack.web_url, campaign["slug"], who), people))
    return token, campaign, people


def _release_due(stack: LocalStack, within: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "amplifier", "release-due", "--within", str(within)],
        env={**os.environ, **stack.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _seconds_until(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() - time.time()


def test_beat_releases_every_pledge_once_even_beside_cron_runs(
    tmp_path: Path, database_url: str | None
) -> None:
    for stack in _stack(tmp_path, database_url):
        token, campaign, people = _pledge_all(stack, 8, release_in=14)
        time.sleep(max(0.0, _seconds_until(campaign["release_at"]) - 3))
        crons = [_release_due(stack, within=5) for _ in range(2)]
        report = wait_for_report(stack, token, campaign["id"], until_s=60)
        for cron in crons:
            assert cron.wait(60) == 0, cron.stdout.read() if cron.stdout else ""
        assert report.status == "released"
        assert report.counts == {"posted": 8}
        assert report.first_offset_ms is not None and report.first_offset_ms >= 0
        assert check_exactly_once(people, sandbox_posts(stack), campaign["post_text"]) == []


def test_cron_alone_releases_at_the_timestamp(tmp_path: Path, database_url: str | None) -> None:
    for stack in _stack(tmp_path, database_url, worker=False, beat=False):
        token, campaign, people = _pledge_all(stack, 6, release_in=10)
        assert sandbox_posts(stack) == []
        cron = _release_due(stack, within=30)
        output = cron.communicate(timeout=90)[0].decode()
        assert cron.returncode == 0, output
        assert "6 posts attempted, released" in output
        report = wait_for_report(stack, token, campaign["id"], until_s=5)
        assert report.counts == {"posted": 6}
        assert report.first_offset_ms is not None and 0 <= report.first_offset_ms < 5000
        assert check_exactly_once(people, sandbox_posts(stack), campaign["post_text"]) == []
        again = _release_due(stack, within=0).communicate(timeout=60)[0].decode()
        assert "nothing due" in again
        assert len(sandbox_posts(stack)) == 6
