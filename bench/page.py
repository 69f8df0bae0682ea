"""`python -m bench.page`: the public campaign page under a crowd, against `/healthz`.

Starts the sandbox, Redis and a migrated database (`local_stack`, as `bench.release` does), seeds
one open campaign with `--pledges` pledges, starts the real web server as the Procfile does
(`amplifier web --workers W`), then drives three URLs of that one server with `bench.loadgen`,
in rounds (healthz, page, pledge, healthz, page, pledge, …) so that the machine's load drifts
alike for all three:

    /healthz              the trivial endpoint: what the server and the generator can do at all
    /c/<slug>             the public campaign page
    /c/<slug>/pledge      the pledge start reached by GET (a shared or reloaded pledge address:
                          answered with the way back to the page's pledge buttons)

Targets (issue 15): each page at least 0.7 of /healthz's rate in the same run, p99 at most
100 ms at 50 connections. Prints a table and PASS/MISS, writes `--json`.

Example: python -m bench.page --workers 2 --connections 50 --seconds 5 --json page.json
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

from rich.console import Console
from rich.table import Table

from amplifier.demo.stack import local_stack
from amplifier.supervisor import wait_for_http, web_argv
from bench import loadgen, seed

console = Console(highlight=False)
RATIO_TARGET = 0.7
P99_TARGET_MS = 100.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.page", description=__doc__.split("\n")[0])
    p.add_argument("--workers", type=int, default=2, help="web processes (AMPLIFIER_WEB_WORKERS)")
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--seconds", type=float, default=5.0, help="measured per URL per round")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--pledges", type=int, default=200)
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--database-url", default=os.environ.get("AMPLIFIER_DATABASE_URL"))
    p.add_argument("--redis-url", default=os.environ.get("AMPLIFIER_REDIS_URL"))
    p.add_argument("--keep", action="store_true", help="keep the data directory")
    return p.parse_args(argv)


def summarise(name: str, runs: list[loadgen.Run]) -> dict[str, Any]:
    merged = loadgen.Run(runs[0].url, sum(r.seconds for r in runs))
    for r in runs:
        merged.latencies_s.extend(r.latencies_s)
        merged.errors += r.errors
        for status, n in r.statuses.items():
            merged.statuses[status] = merged.statuses.get(status, 0) + n
    return {
        "name": name,
        "url": merged.url,
        "requests": len(merged.latencies_s),
        "rate": merged.rate,
        "p50_ms": merged.percentile_ms(0.50),
        "p99_ms": merged.percentile_ms(0.99),
        "errors": merged.errors,
        "statuses": {str(k): v for k, v in sorted(merged.statuses.items())},
        "client_cpu": max(r.client_cpu for r in runs),
        "rounds": [r.rate for r in runs],
    }


def verdicts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    base = rows[0]["rate"]
    checks = []
    for row in rows[1:]:
        ratio = row["rate"] / base if base else 0.0
        row["ratio"] = ratio
        checks.append({"target": f"{row['name']} rate ≥ {RATIO_TARGET} of /healthz",
                       "value": ratio, "ok": ratio >= RATIO_TARGET})  # fmt: skip
        checks.append({"target": f"{row['name']} p99 ≤ {P99_TARGET_MS:.0f} ms",
                       "value": row["p99_ms"], "ok": row["p99_ms"] <= P99_TARGET_MS})  # fmt: skip
    rows[0]["ratio"] = 1.0
    return checks


def show(result: dict[str, Any]) -> None:
    table = Table(title=f"page under a crowd ({result['connections']} connections, "
                  f"{result['workers']} web processes)")  # fmt: skip
    for column in ("URL", "req/s", "p50 ms", "p99 ms", "ratio", "errors", "client CPU"):
        table.add_column(column, justify="left" if column == "URL" else "right")
    for row in result["urls"]:
        table.add_row(
            row["name"],
            f"{row['rate']:,.0f}",
            f"{row['p50_ms']:.1f}",
            f"{row['p99_ms']:.1f}",
            f"{row['ratio']:.2f}",
            str(row["errors"]),
            f"{row['client_cpu']:.2f}",
        )
    console.print(table)
    console.print(f"load average before {result['load_before']}, after {result['load_after']}")
    for check in result["checks"]:
        word = "[green]PASS[/]" if check["ok"] else "[red]MISS[/]"
        console.print(f"{word} {check['target']}: {check['value']:.2f}")


def run(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    with local_stack(
        data_dir,
        database_url=args.database_url,
        redis_url=args.redis_url,
        worker=False,
        beat=False,
        web=False,
    ) as stack:
        seeded = seed.seed(
            stack, pledges=args.pledges, platforms=["x", "mastodon"], tag=f"page-{int(time.time())}"
        )
        with stack.runtime.db.session() as session:
            from amplifier.models import Campaign

            campaign = session.get(Campaign, seeded.campaign_id)
            assert campaign is not None
            slug = campaign.slug
        argv = [*web_argv("127.0.0.1", int(stack.env["AMPLIFIER_WEB_PORT"]))]
        argv += ["--workers", str(args.workers)]
        web = stack.processes.start("web", argv, env=stack.env)
        wait_for_http(f"{stack.web_url}/healthz", 60, web)
        urls = [
            ("/healthz", f"{stack.web_url}/healthz"),
            ("campaign page", f"{stack.web_url}/c/{slug}"),
            ("pledge start (GET)", f"{stack.web_url}/c/{slug}/pledge"),
        ]
        time.sleep(1.0)  # every worker up
        load_before = os.getloadavg()
        runs: dict[str, list[loadgen.Run]] = {name: [] for name, _ in urls}
        for _ in range(args.rounds):
            for name, url in urls:
                runs[name].append(
                    loadgen.drive(url, connections=args.connections, seconds=args.seconds)
                )
        load_after = os.getloadavg()
    rows = [summarise(name, runs[name]) for name, _ in urls]
    checks = verdicts(rows)
    return {
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "workers": args.workers,
        "connections": args.connections,
        "seconds_per_round": args.seconds,
        "rounds": args.rounds,
        "pledges": args.pledges,
        "database": "postgresql" if (args.database_url or "").startswith("postgres") else "sqlite",
        "cpus": os.cpu_count(),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "urls": rows,
        "checks": checks,
        "passed": all(c["ok"] for c in checks),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data_dir = Path(tempfile.mkdtemp(prefix="amplifier-bench-page-"))
    try:
        result = run(args, data_dir)
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    show(result)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
