"""`python -m bench.release`: how fast and how exactly a release leaves, on real processes.

It starts the sandbox (with a latency), Redis and a migrated database through the demo's
`local_stack`, seeds an armed campaign with N pledges due `--lead-s` seconds later, starts W
Celery workers and one beat exactly as `amplifier up` does, waits for the campaign to be
`released`, and judges the release from the sandbox's record of posts (cross-checked with the
`delivery` rows). Then, on the same sandbox, a bare aiohttp client posts as many requests as fast
as one process can: the limit the engine is compared with. Everything stops by itself.

Example: python -m bench.release --pledges 10000 --latency-ms 150 --json out.json
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from rich.console import Console

from amplifier.demo.stack import LocalStack, local_stack
from amplifier.supervisor import ManagedProcess, beat_argv, worker_argv
from bench import limit, measure, seed
from bench.verdict import (
    print_result,
    print_targets,
    result_of,
    target_check,
    targets,
    write_outputs,
)

console = Console(highlight=False)
BENCHED = ("x", "mastodon", "bluesky", "facebook_pages", "threads")
POLL_S = 0.25


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.release", description=__doc__.split("\n\n")[0] if __doc__ else ""
    )
    p.add_argument("--pledges", type=int, default=10_000)
    p.add_argument("--latency-ms", type=int, default=150, help="the sandbox's answer delay")
    p.add_argument("--workers", type=int, default=1, help="Celery worker processes")
    p.add_argument("--compare-workers", action="store_true", help="run with 1, then 2 workers")
    p.add_argument(
        "--platforms",
        default="x,mastodon",
        help="comma-separated: " + ", ".join(BENCHED),
    )
    p.add_argument("--lead-s", type=float, default=20.0, help="from arming to the release T")
    p.add_argument("--timeout-s", type=float, default=None, help="wait for `released` (after T)")
    p.add_argument(
        "--settle-s",
        type=float,
        default=3.0,
        help="keep workers running this long after `released`",
    )
    p.add_argument("--json", type=Path, default=None, help="write the results here")
    p.add_argument("--svg", type=Path, default=None, help="histogram (default: beside --json)")
    p.add_argument("--png", type=Path, default=None, help="accepted; writes an SVG beside it")
    p.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for every process (repeatable)",
    )
    p.add_argument(
        "--database-url",
        default=os.environ.get("AMPLIFIER_DATABASE_URL"),
        help="default: $AMPLIFIER_DATABASE_URL, else SQLite",
    )
    p.add_argument(
        "--reset-db",
        action="store_true",
        help="drop and recreate that PostgreSQL's public schema first",
    )
    p.add_argument(
        "--redis-url",
        default=os.environ.get("AMPLIFIER_REDIS_URL"),
        help="default: $AMPLIFIER_REDIS_URL, else embedded",
    )
    p.add_argument("--limit-concurrency", type=int, default=500)
    p.add_argument("--no-limit", action="store_true", help="skip the bare-client measurement")
    p.add_argument("--image", action="store_true", help="the campaign carries a picture")
    p.add_argument("--data-dir", type=Path, default=None, help="keep data and logs here")
    args = p.parse_args(argv)
    args.platform_list = [s.strip() for s in args.platforms.split(",") if s.strip()]
    if not args.platform_list or set(args.platform_list) - set(BENCHED):
        p.error("--platforms takes " + ", ".join(BENCHED))
    if args.pledges < 1 or args.workers < 1:
        p.error("--pledges and --workers must be at least 1")
    try:
        args.extra_env = {**UNPACED, **dict(item.split("=", 1) for item in args.env)}
    except ValueError:
        p.error("--env takes KEY=VALUE")
    if args.timeout_s is None:
        args.timeout_s = 120 + args.pledges / 20
    return args


# ---- one run ------------------------------------------------------------------------------------


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def lift_app_limit(stack: LocalStack) -> dict[str, Any]:
    """X allows an app 10,000 posts a day; the bench posts more than that on one sandbox."""
    answer = requests.post(
        f"{stack.x_url}/_sandbox/faults", json={"rate_limit": {"app_limit": 0}}, timeout=10
    )
    answer.raise_for_status()
    return {"x.rate_limit.app_limit": 0}


def sandbox_posts(stack: LocalStack, platforms: list[str]) -> list[measure.Post]:
    posts: list[measure.Post] = []
    for platform in platforms:
        answer = requests.get(f"{seed.host_url(stack, platform)}/_sandbox/posts", timeout=120)
        answer.raise_for_status()
        posts.extend(measure.posts_of(platform, answer.json()))
    return posts


def _ready_after(proc: ManagedProcess, started: float, ready: dict[str, float]) -> None:
    if proc.name in ready or proc.log_path is None:
        return
    try:
        text = proc.log_path.read_text(errors="replace")
    except OSError:
        return
    if " ready." in text:
        ready[proc.name] = round(time.monotonic() - started, 2)


def wait_released(
    stack: LocalStack,
    campaign_id: int,
    release_at: datetime,
    timeout_s: float,
    procs: list[ManagedProcess],
    started: float,
    monitor: measure.RssMonitor,
) -> tuple[str, bool, dict[str, float], dict[str, float]]:
    """Poll the campaign row until `released`.

    Returns the status, whether it timed out, when each worker was ready (s after start) and
    the workers' CPU seconds spent before T (start-up and preparation).
    """
    deadline = release_at.timestamp() + timeout_s
    ready: dict[str, float] = {}
    cpu_at_t: dict[str, float] = {}
    last_note = 0.0
    status = seed.campaign_status(stack, campaign_id)
    while status != "released":
        if not cpu_at_t and time.time() >= release_at.timestamp():
            monitor.sample()
            cpu_at_t = dict(monitor.cpu_s)
        for proc in procs:
            _ready_after(proc, started, ready)
            proc.fail_if_dead()
        if time.time() > deadline:
            return status, True, ready, cpu_at_t
        if time.monotonic() - last_note > 5:
            last_note = time.monotonic()
            counts = seed.delivery_counts(stack, campaign_id)
            to_t = release_at.timestamp() - time.time()
            when = f"T{'-' if to_t > 0 else '+'}{abs(to_t):.0f}s"
            console.print(f"  {when}: campaign {status}, deliveries {counts or '-'}")
        time.sleep(POLL_S)
        status = seed.campaign_status(stack, campaign_id)
    for proc in procs:
        _ready_after(proc, started, ready)
    return status, False, ready, cpu_at_t


def limit_requests(
    stack: LocalStack, count: int, platforms: list[str], text: str, client_id: str | None
) -> list[limit.PostRequest]:
    """`count` posts by fresh sandbox users, spread over the platforms like the pledges."""
    people = seed.split_platforms(count, platforms, "lim")
    work: list[limit.PostRequest] = []
    # no bare client for Bluesky (DPoP) nor Threads (two calls a post): their pledges' share of
    # the count goes to the other platforms' bare posts only
    for platform in [p for p in platforms if p not in ("bluesky", "threads")]:
        base = seed.host_url(stack, platform)
        names = [p.username for p in people if p.platform == platform]
        cid = client_id if platform == "mastodon" else None
        path = seed.mint_path(platform)
        for i, token in enumerate(seed.mint_tokens(base, names, client_id=cid, path=path)):
            access = str(token["access_token"])
            if platform == "x":
                work.append(limit.x_post(base, access, text))
            elif platform == "facebook_pages":
                work.append(limit.page_post(base, access, str(token["user_id"]), text))
            else:
                work.append(limit.mastodon_post(base, access, text, f"limit-{i}"))
    return work


def run_once(
    args: argparse.Namespace, workers: int, data_dir: Path
) -> tuple[dict[str, Any], list[float]]:
    """One release on a fresh stack: its results and the offsets from T (ms) of its posts."""
    if args.database_url and args.reset_db and args.database_url.startswith("postgresql"):
        reset_postgres(args.database_url)
    database = "postgresql" if (args.database_url or "").startswith("postgresql") else "sqlite"
    load_start = os.getloadavg()[0]
    if load_start > 1.0:
        console.print(
            f"[yellow]the machine is busy (load {load_start:.1f} on {os.cpu_count()} cores): "
            "rates measured now are low and noisy[/]"
        )
    console.print(
        f"[bold]run[/]: {args.pledges} pledges, {workers} worker(s), latency {args.latency_ms} ms,"
        f" {database}, redis {'external' if args.redis_url else 'embedded'} — {data_dir}"
    )
    with local_stack(
        data_dir,
        database_url=args.database_url,
        redis_url=args.redis_url,
        worker=False,
        beat=False,
        web=False,
        sandbox_args=("--latency-ms", str(args.latency_ms)),
        extra_env=args.extra_env,
    ) as stack:
        adjustments = lift_app_limit(stack)
        seeded = seed.seed(
            stack,
            pledges=args.pledges,
            platforms=args.platform_list,
            tag=f"{os.getpid()}-{int(time.time() * 1000)}",
            image=args.image,
        )
        parts = ", ".join(f"{k[:-2]} {v:.2f}s" for k, v in seeded.timings.items())
        console.print(f"  seeded {args.pledges} pledges in {seeded.seed_s:.2f}s ({parts})")

        release_at = seed.arm(stack, seeded.campaign_id, lead_s=args.lead_s)
        started = time.monotonic()
        monitor = measure.RssMonitor().start()
        procs = []
        for i in range(workers):
            proc = stack.processes.start(
                f"worker{i + 1}", worker_argv(f"bench{i + 1}"), env=stack.env
            )
            monitor.watch(proc.name, proc.proc.pid)
            procs.append(proc)
        procs.append(
            stack.processes.start(
                "beat", beat_argv(data_dir / "celerybeat-schedule"), env=stack.env
            )
        )
        console.print(f"  armed: T = {release_at.isoformat(timespec='milliseconds')}")
        try:
            status, timed_out, ready, cpu_at_t = wait_released(
                stack, seeded.campaign_id, release_at, args.timeout_s, procs, started, monitor
            )
        finally:
            peaks = monitor.stop()
        load_end = os.getloadavg()[0]
        console.print(
            f"  campaign {status}{' (timed out)' if timed_out else ''}; "
            f"watching {args.settle_s:g}s more for late duplicates"
        )
        time.sleep(args.settle_s)
        prepared_s = seed.preparation_s(stack, seeded.campaign_id)

        stats = measure.analyse(
            sandbox_posts(stack, args.platform_list),
            pledged=seed.pledge_accounts(stack, seeded.campaign_id),
            post_text=seeded.post_text,
            deliveries=seed.delivery_statuses(stack, seeded.campaign_id),
            release_at=release_at.timestamp(),
            latency_ms=args.latency_ms,
        )
        for proc in procs:  # the limit is measured with the machine to itself
            proc.stop()

        limit_result = None
        if not args.no_limit:
            work = limit_requests(
                stack, args.pledges, args.platform_list, seeded.post_text, seeded.mastodon_client_id
            )
            console.print(f"  limit: {len(work)} posts, {args.limit_concurrency} concurrent")
            limit_result = limit.measure_limit(work, concurrency=args.limit_concurrency)
    extra = {
        "campaign_status": status,
        "timed_out": timed_out,
        "worker_ready_s": ready,
        "sandbox_adjustments": adjustments,
        "release_at": release_at.isoformat(),
        "worker_cpu_s": {k: round(v, 2) for k, v in monitor.cpu_s.items()},
        "worker_cpu_before_t_s": {k: round(v, 2) for k, v in cpu_at_t.items()},
        "cpu_ms_per_post": 1000
        * (sum(monitor.cpu_s.values()) - sum(cpu_at_t.values()))
        / max(1, stats.posted),
        "load_avg_1m": {"start": load_start, "end_of_release": load_end},
        "image": args.image,
        "preparation_s": prepared_s,
        "preparation_s_per_1000": None if prepared_s is None else prepared_s * 1000 / args.pledges,
    }
    result = result_of(args, workers, database, stats, limit_result, seeded, peaks, extra)
    return result, stats.offsets_ms


# ---- targets and the report ---------------------------------------------------------------------


# The sandbox is not a volunteer-run Mastodon server nor a metered X app: the benchmark measures
# the engine, so the politeness pacing (tested in tests/release/limits) is lifted unless --env
# sets it.
UNPACED = {
    "AMPLIFIER_LIMIT_MASTODON_PER_S": "1000000",
    "AMPLIFIER_LIMIT_MASTODON_CONCURRENCY": "1000",
    "AMPLIFIER_LIMIT_X_CONCURRENCY": "1000",
    "AMPLIFIER_LIMIT_X_APP_PER_DAY": "100000000",
}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    base = args.data_dir or Path(tempfile.mkdtemp(prefix="amplifier-bench-"))
    plan = [1, 2] if args.compare_workers else [args.workers]
    runs: list[tuple[dict[str, Any], list[float]]] = []
    try:
        for workers in plan:
            result, offsets = run_once(args, workers, base / f"run-{len(runs) + 1}-w{workers}")
            result["targets"] = targets(result)
            if args.compare_workers:
                for check in result["targets"]:
                    check["target"] = f"{workers} worker(s): {check['target']}"
            print_result(result)
            runs.append((result, offsets))
    finally:
        if args.data_dir is None:
            shutil.rmtree(base, ignore_errors=True)
    results = [result for result, _ in runs]
    report: dict[str, Any]
    if args.compare_workers:
        one, two = results
        scaling = two["release_posts_per_s"] / one["release_posts_per_s"]
        checks = [c for r in results for c in r["targets"]]
        checks.append(
            target_check(
                "--workers 2 vs 1: >= 1.6x posts/s", scaling, scaling >= 1.6, f"{scaling:.2f}x"
            )
        )
        report = {"runs": results, "scaling_2_vs_1": scaling, "targets": checks}
    else:
        report = results[0]
        checks = report["targets"]
    print_targets(checks)
    write_outputs(args, report, runs)
    return 0 if all(r["targets"][0]["pass"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
