"""`python -m bench.prepare`: how fast a campaign is prepared, on real worker processes.

Preparation's slow part is refreshing tokens against the platforms' token endpoints (X access
tokens live two hours). This seeds N X pledges whose tokens all need refreshing, sets the
sandbox's answer delay, arms the campaign with T far ahead (so that preparation, not T, ends
it) and starts W Celery workers and a beat exactly as `amplifier up` does; the pages
(release/pages.py) are prepared by `--preparers-per-worker` x W preparer tasks. It reports
pledges prepared per second — from the rows' creation to the last page done — for each W, and
checks that the sandbox answered exactly one refresh per pledge. Everything stops by itself.

Example: python -m bench.prepare --pledges 4000 --latency-ms 150 --workers 1,2 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from amplifier.demo.stack import LocalStack, local_stack
from amplifier.supervisor import beat_argv, worker_argv
from bench import seed
from bench.release import reset_postgres

console = Console(highlight=False)
LEAD_S = 3600.0  # T this far ahead: preparation ends by itself, long before T


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.prepare", description=__doc__.split("\n\n")[0] if __doc__ else ""
    )
    p.add_argument("--pledges", type=int, default=4_000)
    p.add_argument("--latency-ms", type=int, default=150, help="the token endpoint's delay")
    p.add_argument("--workers", default="1,2", help="comma-separated worker counts, one run each")
    p.add_argument("--preparers-per-worker", type=int, default=2)
    p.add_argument("--page-size", type=int, default=500, help="delivery rows per page")
    p.add_argument("--timeout-s", type=float, default=900.0)
    p.add_argument("--json", type=Path, default=None, help="write the results here")
    p.add_argument("--database-url", default=os.environ.get("AMPLIFIER_DATABASE_URL"))
    p.add_argument("--reset-db", action="store_true", help="drop that PostgreSQL's schema first")
    p.add_argument("--redis-url", default=os.environ.get("AMPLIFIER_REDIS_URL"))
    p.add_argument("--data-dir", type=Path, default=None, help="keep data and logs here")
    args = p.parse_args(argv)
    try:
        args.worker_counts = [int(w) for w in args.workers.split(",") if w.strip()]
    except ValueError:
        p.error("--workers takes numbers, e.g. 1,2")
    if args.pledges < 1 or not args.worker_counts or min(args.worker_counts) < 1:
        p.error("--pledges and every --workers count must be at least 1")
    return args


def _token_refreshes(stack: LocalStack) -> int:
    stats = requests.get(f"{stack.x_url}/_sandbox/stats", timeout=10).json()["answers"]
    return int(stats.get("POST /2/oauth2/token", {}).get("200", 0))


def _progress(stack: LocalStack, campaign_id: int) -> tuple[int, int, float | None]:
    """(pages done, pages, seconds from the rows' creation to the last page done)."""
    query = sa.text(
        "SELECT count(*) FILTER (WHERE p.status = 'done'), count(*), max(p.done_at), "
        "min(c.release_started_at) FROM prepare_page p JOIN campaign c ON c.id = p.campaign_id "
        "WHERE p.campaign_id = :id"
    )
    with stack.runtime.db.engine.connect() as conn:
        done, total, last, began = conn.execute(query, {"id": campaign_id}).one()
    took = (last - began).total_seconds() if last is not None and began is not None else None
    return int(done or 0), int(total or 0), took


def run_once(args: argparse.Namespace, workers: int, data_dir: Path) -> dict[str, Any]:
    if args.database_url and args.reset_db and args.database_url.startswith("postgresql"):
        reset_postgres(args.database_url)
    if not (args.database_url or "").startswith("postgresql"):
        raise SystemExit("bench.prepare needs PostgreSQL (--database-url postgresql://…)")
    load_start = os.getloadavg()[0]
    env = {
        "AMPLIFIER_RELEASE_PREPARE_LEAD_S": str(LEAD_S + 60),
        "AMPLIFIER_RELEASE_PREPARE_TASKS": str(args.preparers_per_worker * workers),
        "AMPLIFIER_RELEASE_PREPARE_PAGE_SIZE": str(args.page_size),
        "AMPLIFIER_RELEASE_FIRE_TASKS": "0",  # nothing to fire: T is an hour away
    }
    console.print(
        f"[bold]run[/]: {args.pledges} pledges to refresh, {workers} worker(s) x "
        f"{args.preparers_per_worker} preparers, latency {args.latency_ms} ms — {data_dir}"
    )
    with local_stack(
        data_dir,
        database_url=args.database_url,
        redis_url=args.redis_url,
        worker=False,
        beat=False,
        web=False,
        sandbox_args=("--latency-ms", str(args.latency_ms)),
        extra_env=env,
    ) as stack:
        seeded = seed.seed(stack, pledges=args.pledges, platforms=["x"], tag=f"prep-{os.getpid()}")
        with stack.runtime.db.engine.begin() as conn:  # every token expires before T
            conn.execute(
                sa.text("UPDATE pledge SET token_expires_at = now() WHERE campaign_id = :id"),
                {"id": seeded.campaign_id},
            )
        refreshes_before = _token_refreshes(stack)
        seed.arm(stack, seeded.campaign_id, lead_s=LEAD_S)
        procs = [
            stack.processes.start(f"worker{i + 1}", worker_argv(f"prep{i + 1}"), env=stack.env)
            for i in range(workers)
        ]
        schedule = data_dir / "celerybeat-schedule"
        procs.append(stack.processes.start("beat", beat_argv(schedule), env=stack.env))
        deadline = time.monotonic() + args.timeout_s
        done = total = 0
        took: float | None = None
        last_note = 0.0
        while time.monotonic() < deadline:
            for proc in procs:
                proc.fail_if_dead()
            done, total, took = _progress(stack, seeded.campaign_id)
            if total and done == total:
                break
            if time.monotonic() - last_note > 5:
                last_note = time.monotonic()
                console.print(f"  pages done: {done}/{total or '?'}")
            time.sleep(0.25)
        load_end = os.getloadavg()[0]
        refreshed = _token_refreshes(stack) - refreshes_before
        for proc in procs:
            proc.stop()
    rate = args.pledges / took if took and done == total else 0.0
    return {
        "pledges": args.pledges,
        "workers": workers,
        "preparers": args.preparers_per_worker * workers,
        "latency_ms": args.latency_ms,
        "page_size": args.page_size,
        "pages": total,
        "pages_done": done,
        "preparation_s": took,
        "pledges_prepared_per_s": rate,
        "token_refreshes": refreshed,
        "each_refreshed_once": refreshed == args.pledges,
        "load_avg_1m": {"start": load_start, "end": load_end},
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    base = args.data_dir or Path(tempfile.mkdtemp(prefix="amplifier-bench-prepare-"))
    results = []
    try:
        for workers in args.worker_counts:
            results.append(run_once(args, workers, base / f"prepare-w{workers}"))
    finally:
        if args.data_dir is None:
            shutil.rmtree(base, ignore_errors=True)
    table = Table(title="preparation: tokens refreshed against the sandbox's token endpoint")
    for column in ("workers", "preparers", "pledges", "latency", "took", "prepared/s", "refreshes"):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            str(r["workers"]),
            str(r["preparers"]),
            f"{r['pledges']:,}",
            f"{r['latency_ms']} ms",
            "-" if r["preparation_s"] is None else f"{r['preparation_s']:.1f} s",
            f"{r['pledges_prepared_per_s']:.0f}/s",
            f"{r['token_refreshes']:,}" + ("" if r["each_refreshed_once"] else " (!)"),
        )
    console.print(table)
    report: dict[str, Any] = {"runs": results}
    if len(results) > 1 and results[0]["pledges_prepared_per_s"] > 0:
        report["scaling"] = (
            results[-1]["pledges_prepared_per_s"] / results[0]["pledges_prepared_per_s"]
        )
        console.print(f"scaling {results[-1]['workers']} vs {results[0]['workers']} worker(s): "
                      f"{report['scaling']:.2f}x")  # fmt: skip
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        console.print(f"results: {args.json}")
    ok = all(r["each_refreshed_once"] and r["pages_done"] == r["pages"] for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
