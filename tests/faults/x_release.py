"""Helpers of the rate-limit and token-refresh scenarios: a release of X pledges only.

The same harness as the rest of the suite (harness.py: the whole stack, pledges through the web
app, the verdict over the sandbox and the owner's report), with every supporter on X, a count of
them and a release time of the scenario's choosing, and the sandbox's own count of its answers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

import requests

from amplifier.demo.browser import pledge
from amplifier.demo.run import approve_as_admin, make_supporters, schedule_campaign
from amplifier.demo.stack import local_stack
from amplifier.owners.api_tokens import create_owner
from tests.faults.harness import BASE_ENV, REDIS_URL, RESULTS, Release, Verdict, _iso


class XRelease(Release):
    """A release whose supporters all pledge on X."""

    def pledge_x(self, supporters: int, release_in: float) -> None:
        with self.stack.runtime.db.session() as session:
            self.token = create_owner(session, name=f"Fault owner {self.scenario}").token
        self.campaign = schedule_campaign(
            self.stack, self.token, goal=supporters, platforms=["x"], release_in=release_in
        )
        approve_as_admin(self.stack, self.campaign["id"])
        self.release_at = _iso(self.campaign["release_at"]).timestamp()
        self.people = make_supporters(supporters, ["x"], self.stack.mastodon_urls[0])
        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            slug = self.campaign["slug"]
            list(pool.map(lambda who: pledge(self.stack.web_url, slug, who), self.people))
        self.notes.append(f"{supporters} X pledges in {time.monotonic() - began:.1f}s")
        if time.time() >= _iso(self.campaign["pledge_deadline"]).timestamp():
            raise RuntimeError("pledging took longer than the scenario allows for it")

    def answers(self, route: str) -> dict[int, int]:
        """How the sandbox's X answered `route` ("POST /2/tweets"), by status."""
        stats = requests.get(f"{self.stack.x_url}/_sandbox/stats", timeout=10).json()
        return {int(k): v for k, v in stats["answers"].get(route, {}).items()}


@contextmanager
def x_scenario(
    tmp_path: Path,
    name: str,
    run: int,
    database_url: str | None,
    *,
    supporters: int,
    release_in: float,
    extra_env: dict[str, str] | None = None,
    sandbox_args: tuple[str, ...] = (),
) -> Iterator[XRelease]:
    """A fresh stack with `supporters` X pledges in; records the verdict the body leaves."""
    from tests.faults.harness import empty_postgres

    if REDIS_URL:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    if database_url is not None:
        empty_postgres(database_url)
    rel: XRelease | None = None
    started = time.monotonic()
    try:
        with local_stack(
            tmp_path,
            database_url=database_url,
            redis_url=REDIS_URL,
            sandbox_args=sandbox_args,
            extra_env={**BASE_ENV, **(extra_env or {})},
        ) as stack:
            rel = XRelease(stack, name, run, tmp_path)
            try:
                rel.pledge_x(supporters, release_in)
                yield rel
            finally:
                for cron in rel.crons:
                    if cron.poll() is None:
                        with suppress(ProcessLookupError):
                            os.killpg(cron.pid, signal.SIGTERM)
                        with suppress(subprocess.TimeoutExpired):
                            cron.wait(10)
    except BaseException as exc:
        if rel is None or not rel.verdicts:
            RESULTS.append(
                Verdict(scenario=name, run=run, error=f"{type(exc).__name__}: {exc}"[:300])
            )
        raise
    finally:
        if rel is not None and rel.verdicts:
            rel.verdicts[0].details.append(f"scenario took {time.monotonic() - started:.0f}s")
            RESULTS.extend(rel.verdicts)
