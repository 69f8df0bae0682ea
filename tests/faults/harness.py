"""The fault-injection harness: one release on real parts, a fault in the middle, then the verdict.

Every scenario drives amplifier only through what a deployment exposes: the web app (the owner's
API and the supporters' pledge pages over HTTP), the sandbox's public and admin APIs, real
processes (Celery worker and beat, `amplifier release-due`), Redis and the database. Nothing of
the release engine is imported, so the suite keeps its meaning while the engine is rewritten.

The verdict, for every pledge: posted exactly once on the sandbox, or absent from the sandbox and
reported to the owner (`GET /api/campaigns/{id}/report`) as failed or unconfirmed with a reason.
A pledge posted twice or more is a duplicate; a pledge with no post and no final outcome with a
reason is lost; a post created before the release time T (by more than EARLY_TOLERANCE_S, on the
sandbox's clock, which is the machine's true clock) is early. Each verdict is kept in RESULTS for
the table printed at the end of the session (see conftest.py).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from amplifier.demo.browser import Supporter, pledge
from amplifier.demo.run import approve_as_admin, make_supporters, schedule_campaign
from amplifier.demo.stack import LocalStack, local_stack
from amplifier.owners.api_tokens import create_owner
from amplifier.supervisor import ManagedProcess, beat_argv, wait_for_redis, worker_argv
from tests.faults.pg import empty_postgres, terminate_postgres_backends

__all__ = ["empty_postgres", "terminate_postgres_backends"]  # used by test_faults.py

SUPPORTERS = int(os.environ.get("AMPLIFIER_FAULT_SUPPORTERS", "40"))
RUNS = max(1, int(os.environ.get("AMPLIFIER_FAULT_RUNS", "1")))
# How long after T every pledge must have a final outcome (posted, failed or unconfirmed).
SETTLE_S = float(os.environ.get("AMPLIFIER_FAULT_SETTLE_S", "60"))
RELEASE_IN_S = float(os.environ.get("AMPLIFIER_FAULT_RELEASE_IN_S", "14"))
# Sandbox latency set once the pledges are in, so that a release lasts long enough to be hit.
LATENCY_MS = int(os.environ.get("AMPLIFIER_FAULT_LATENCY_MS", "500"))
EARLY_TOLERANCE_S = 0.1
POSTGRES_URL = os.environ.get("AMPLIFIER_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("AMPLIFIER_TEST_REDIS_URL")
PLATFORMS = ["x", "mastodon"]
FINAL = ("posted", "failed", "unconfirmed")

# Public settings (README) that make a release slow enough to be hit mid-way and a dead worker's
# work recoverable within SETTLE_S. Settings an engine does not know are ignored by it.
BASE_ENV = {
    "AMPLIFIER_RELEASE_CONCURRENCY": "2",
    "AMPLIFIER_RELEASE_LEASE_S": "10",
    "AMPLIFIER_RELEASE_STALE_S": "20",
    "AMPLIFIER_LOG_LEVEL": "INFO",
    # every X supporter pledges the message itself: X's distinct-text rule is off, as in
    # tests/conftest.py (tests/campaigns/test_posting_modes.py tests the rule)
    "AMPLIFIER_X_ALLOW_SIMILAR_TEXTS": "true",
}


@dataclass
class Verdict:
    scenario: str
    run: int
    supporters: int = 0
    posted: int = 0
    duplicates: int = 0  # extra posts beyond the first, summed over supporters
    lost: int = 0
    unconfirmed: int = 0
    failed: int = 0
    misreported: int = 0  # on the sandbox, yet reported failed (the owner is told a falsehood)
    early: int = 0
    campaign_status: str = "?"
    settled_after_s: float | None = None
    problems: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)  # "status: reason" of unposted pledges
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.error is None

    def explain(self) -> str:
        lines = [
            f"{self.scenario} run {self.run}: campaign {self.campaign_status}, "
            f"{self.supporters} pledges: posted {self.posted}, duplicates {self.duplicates}, "
            f"lost {self.lost}, unconfirmed {self.unconfirmed}, failed {self.failed}, "
            f"misreported {self.misreported}, early {self.early}"
        ]
        if self.error:
            lines.append(f"error: {self.error}")
        lines += [f"✗ {p}" for p in self.problems]
        lines += [f"  {d}" for d in self.details]
        return "\n".join(lines)


RESULTS: list[Verdict] = []


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _username(handle: str) -> str:
    return handle.lstrip("@").split("@", 1)[0]


class Release:
    """One campaign on a running stack: pledged, scheduled, and watched through public faces."""

    def __init__(self, stack: LocalStack, scenario: str, run: int, tmp: Path) -> None:
        self.stack = stack
        self.scenario = scenario
        self.run = run
        self.tmp = tmp
        self.token = ""
        self.campaign: dict[str, Any] = {}
        self.people: list[Supporter] = []
        self.release_at = 0.0  # T, epoch seconds
        self.crons: list[subprocess.Popen[bytes]] = []
        self.notes: list[str] = []
        self.verdicts: list[Verdict] = []

    # ---- setting up ---------------------------------------------------------------------------

    def pledge_all(self, supporters: int = SUPPORTERS, release_in: float = RELEASE_IN_S) -> None:
        with self.stack.runtime.db.session() as session:
            self.token = create_owner(session, name=f"Fault owner {self.scenario}").token
        self.campaign = schedule_campaign(
            self.stack, self.token, goal=supporters, platforms=PLATFORMS, release_in=release_in
        )
        approve_as_admin(self.stack, self.campaign["id"])  # public only once approved
        self.release_at = _iso(self.campaign["release_at"]).timestamp()
        self.people = make_supporters(supporters, PLATFORMS, self.stack.mastodon_urls[0])
        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            slug = self.campaign["slug"]
            list(pool.map(lambda who: pledge(self.stack.web_url, slug, who), self.people))
        self.notes.append(f"{supporters} pledges in {time.monotonic() - began:.1f}s")
        deadline = _iso(self.campaign["pledge_deadline"]).timestamp()
        if time.time() >= deadline:
            raise RuntimeError(
                f"pledging took too long: {time.time() - deadline:.1f}s past the deadline "
                "(raise AMPLIFIER_FAULT_RELEASE_IN_S)"
            )
        if LATENCY_MS:
            self.set_faults({"latency_ms": LATENCY_MS})

    # ---- the sandbox --------------------------------------------------------------------------

    def hosts(self, platform: str | None = None) -> list[str]:
        bases = {"x": [self.stack.x_url], "mastodon": list(self.stack.mastodon_urls)}
        if platform is None:
            return bases["x"] + bases["mastodon"]
        return bases[platform]

    def set_faults(self, body: dict[str, Any], platform: str | None = None) -> None:
        for base in self.hosts(platform):
            answer = requests.post(f"{base}/_sandbox/faults", json=body, timeout=10)
            answer.raise_for_status()

    def revoke(self, username: str, platform: str) -> int:
        answer = requests.post(
            f"{self.hosts(platform)[0]}/_sandbox/revoke", json={"username": username}, timeout=10
        )
        answer.raise_for_status()
        revoked: int = answer.json()["revoked"]
        return revoked

    def posts(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for base in self.hosts():
            answer = requests.get(f"{base}/_sandbox/posts", timeout=30)
            answer.raise_for_status()
            for post in answer.json()["posts"]:
                found.append({**post, "host": base})
        return found

    # ---- timing -------------------------------------------------------------------------------

    def seconds_to_t(self) -> float:
        return self.release_at - time.time()

    def sleep_until_t(self, offset_s: float = 0.0) -> None:
        """Sleep until T + offset_s (offset negative: before T)."""
        time.sleep(max(0.0, self.seconds_to_t() + offset_s))

    def wait_for_posts(self, count: int, timeout: float) -> int:
        """Wait until the sandbox holds at least `count` posts; returns how many it holds."""
        end = time.monotonic() + timeout
        while True:
            n = len(self.posts())
            if n >= count or time.monotonic() > end:
                return n
            time.sleep(0.05)

    def mid_release(self, timeout: float | None = None) -> int:
        """Wait for a random point of the release: between 1 and 60 % of the posts out."""
        target = random.randint(1, max(1, int(len(self.people) * 0.6)))
        wait = timeout if timeout is not None else self.seconds_to_t() + 30
        n = self.wait_for_posts(target, wait)
        at = time.time() - self.release_at
        self.notes.append(f"fault injected with {n} posts out (aimed at {target}), T{at:+.2f}s")
        return n

    # ---- processes ----------------------------------------------------------------------------

    def process(self, name: str) -> ManagedProcess:
        for proc in self.stack.processes.processes:
            if proc.name == name:
                return proc
        raise LookupError(name)

    def kill9(self, name: str) -> None:
        proc = self.process(name)
        with suppress(ProcessLookupError):
            os.killpg(proc.proc.pid, signal.SIGKILL)
        proc.proc.wait(10)

    def start_worker(self, name: str, extra_env: dict[str, str] | None = None) -> ManagedProcess:
        return self.stack.processes.start(
            name, worker_argv(name=name), env={**self.stack.env, **(extra_env or {})}
        )

    def start_beat(self, name: str) -> ManagedProcess:
        return self.stack.processes.start(
            name, beat_argv(self.tmp / f"{name}-schedule"), env=self.stack.env
        )

    def restart_redis(self, down_s: float = 1.0) -> None:
        """kill -9 the embedded redis-server, then start it again on the same port."""
        old = self.process("redis")
        self.kill9("redis")
        old.name = "redis (killed)"
        time.sleep(down_s)
        self.stack.processes.start("redis", old.argv)
        wait_for_redis(self.stack.redis_url, 15)

    def release_due(self, within: float) -> subprocess.Popen[bytes]:
        log = open(self.tmp / "logs" / f"release-due-{len(self.crons)}.log", "wb")  # noqa: SIM115
        cron = subprocess.Popen(
            [sys.executable, "-m", "amplifier", "release-due", "--within", str(within)],
            env={**os.environ, **self.stack.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.crons.append(cron)
        return cron

    # ---- the owner's report -------------------------------------------------------------------

    def report(self) -> dict[str, Any]:
        answer = requests.get(
            f"{self.stack.web_url}/api/campaigns/{self.campaign['id']}/report",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )
        answer.raise_for_status()
        report: dict[str, Any] = answer.json()
        return report

    def settled(self, report: dict[str, Any]) -> bool:
        lines = report.get("posts") or []
        if report.get("status") in ("released", "failed", "cancelled"):
            return True
        return len(lines) >= len(self.people) and all(p["status"] in FINAL for p in lines)

    def wait_settled(self, after_t_s: float = SETTLE_S) -> tuple[dict[str, Any], float | None]:
        """The report once every pledge has a final outcome, or at T + after_t_s regardless."""
        end = self.release_at + after_t_s
        while True:
            try:
                report = self.report()
            except requests.RequestException as exc:  # the web app may be hit by the fault too
                self.notes.append(f"report unavailable for a moment: {exc}")
                report = {}
            if report and self.settled(report):
                return report, time.time() - self.release_at
            if time.time() > end:
                return report or self.report(), None
            time.sleep(0.5)

    # ---- the verdict --------------------------------------------------------------------------

    def verdict(
        self,
        *,
        must_fail: set[str] | None = None,
        after_t_s: float = SETTLE_S,
    ) -> Verdict:
        """Wait for the release to settle, then judge every pledge (see the module docstring).

        `must_fail` names supporters whose pledges must be reported failed, not posted, with a
        reason that says why (it must mention the authorization or the token).
        """
        report, settled_after = self.wait_settled(after_t_s)
        time.sleep(2.0)  # a straggler (a zombie call, a redelivered task) would post by now
        report = self.report() if settled_after is not None else report
        posts = self.posts()
        evidence = {"release_at": self.release_at, "report": report, "sandbox_posts": posts}
        (self.tmp / "evidence.json").write_text(json.dumps(evidence, indent=1, default=str))
        v = Verdict(scenario=self.scenario, run=self.run, supporters=len(self.people))
        v.campaign_status = str(report.get("status"))
        v.settled_after_s = settled_after
        text = self.campaign["post_text"]
        by_user = Counter(p["username"] for p in posts if p["text"] == text)
        lines = {(p["platform"], _username(p["handle"])): p for p in report.get("posts") or []}
        must_fail = must_fail or set()
        for who in self.people:
            n = by_user[who.username]
            line = lines.get((who.platform, who.username))
            status = line["status"] if line else None
            reason = (line or {}).get("error") or ""
            label = f"{who.username} ({who.platform}): {n} post(s), report {status!r}"
            if n > 1:
                v.duplicates += n - 1
                v.problems.append(f"{label}: posted {n} times")
            if n >= 1:
                v.posted += 1
                if status == "failed":
                    v.misreported += 1
                    v.problems.append(f"{label}: on the sandbox but reported failed ({reason})")
                elif status not in ("posted", "unconfirmed"):
                    v.problems.append(f"{label}: on the sandbox but the report is not final")
                if who.username in must_fail:
                    v.problems.append(f"{label}: posted although its token was revoked")
            elif status in ("failed", "unconfirmed") and reason.strip():
                if status == "failed":
                    v.failed += 1
                else:
                    v.unconfirmed += 1
                v.details.append(f"{label}: {reason[:160]}")
                v.reasons[f"{status}: {reason[:110]}"] += 1
            else:
                v.lost += 1
                said = "; the report says posted" if status == "posted" else ""
                v.problems.append(f"{label}: lost (no post, no final outcome with a reason{said})")
            if who.username in must_fail and n == 0:
                words = ("revoked", "authoriz", "unauthori", "expired", "token", "401")
                if status != "failed" or not any(w in reason.lower() for w in words):
                    v.problems.append(
                        f"{label}: expected reported failed with a reason about its "
                        f"authorization, got {status!r} ({reason[:120]})"
                    )
        strangers = {p["username"] for p in posts} - {who.username for who in self.people}
        v.problems += [f"unexpected post by {name}" for name in sorted(strangers)]
        odd = [p for p in posts if p["text"] != text and p["username"] not in strangers]
        v.problems += [f"{p['username']} posted a text nobody consented to" for p in odd]
        for p in posts:
            created = _iso(p["created_at"]).timestamp()
            if created < self.release_at - EARLY_TOLERANCE_S:
                v.early += 1
                v.problems.append(
                    f"{p['username']} posted {self.release_at - created:.3f}s before T"
                )
        if settled_after is None:
            counts = Counter(str(p["status"]) for p in report.get("posts") or [])
            v.problems.append(
                f"not settled {after_t_s:.0f}s after T: campaign {v.campaign_status}, "
                f"delivery rows {dict(counts)} for {len(self.people)} pledges"
            )
        on_hosts = Counter(p["host"] for p in posts)
        v.details.insert(
            0,
            f"sandbox posts per host {dict(on_hosts)}; report counts {report.get('counts')}; "
            f"settled {'never' if settled_after is None else f'T+{settled_after:.1f}s'}; "
            f"first/last offset ms {report.get('first_offset_ms')}/{report.get('last_offset_ms')}",
        )
        v.details += self.notes
        where = f"report and sandbox posts in {self.tmp / 'evidence.json'}"
        v.details.append(f"{where}, logs in {self.tmp / 'logs'}")
        return v


@contextmanager
def scenario(
    tmp_path: Path,
    name: str,
    run: int,
    database_url: str | None,
    *,
    own_redis: bool = False,
    worker: bool = True,
    beat: bool = True,
    extra_env: dict[str, str] | None = None,
    sandbox_args: tuple[str, ...] = (),
    supporters: int = SUPPORTERS,
    release_in: float = RELEASE_IN_S,
) -> Iterator[Release]:
    """A fresh stack with `supporters` pledges in; records the verdict the body leaves behind.

    `own_redis` insists on the embedded redis-server (a scenario that restarts it); otherwise
    AMPLIFIER_TEST_REDIS_URL is used when set, flushed first.
    """
    redis_url = None if own_redis else REDIS_URL
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    if database_url is not None:
        empty_postgres(database_url)
    rel: Release | None = None
    started = time.monotonic()
    try:
        with local_stack(
            tmp_path,
            database_url=database_url,
            redis_url=redis_url,
            worker=worker,
            beat=beat,
            sandbox_args=sandbox_args,
            extra_env={**BASE_ENV, **(extra_env or {})},
        ) as stack:
            rel = Release(stack, name, run, tmp_path)
            try:
                rel.pledge_all(supporters, release_in)
                yield rel
            finally:
                for cron in rel.crons:
                    if cron.poll() is None:
                        with suppress(ProcessLookupError):
                            os.killpg(cron.pid, signal.SIGTERM)
                        try:
                            cron.wait(10)
                        except subprocess.TimeoutExpired:
                            os.killpg(cron.pid, signal.SIGKILL)
                            cron.wait(5)
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


def judge(rel: Release, **kwargs: Any) -> Verdict:
    """The verdict of a release (see Release.verdict), kept for the session's table."""
    v = rel.verdict(**kwargs)
    rel.verdicts.append(v)
    return v
