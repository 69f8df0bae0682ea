"""The benchmark's verdict on one release run: its result record, the targets, the tables, files.

Split from release.py (which runs the release) so each stays readable: this part only judges and
prints what a run measured.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import histogram, limit, measure, seed

console = Console(highlight=False)


def result_of(
    args: argparse.Namespace,
    workers: int,
    database: str,
    stats: measure.ReleaseStats,
    limit_result: limit.LimitResult | None,
    seeded: seed.Seeded,
    peaks: dict[str, float],
    extra: dict[str, Any],
) -> dict[str, Any]:
    limit_rate = limit_result.posts_per_s if limit_result else math.nan
    start, width, counts = histogram.bins(stats.offsets_ms)
    body = {k: v for k, v in asdict(stats).items() if k != "offsets_ms"}
    return {
        "pledges": args.pledges,
        "workers": workers,
        "latency_ms": args.latency_ms,
        "platforms": args.platform_list,
        "database": database,
        "engine_env": args.extra_env,
        "limit_posts_per_s": limit_rate,
        "release_posts_per_s": stats.release_posts_per_s,
        "ratio": stats.release_posts_per_s / limit_rate if limit_rate > 0 else math.nan,
        **body,
        "peak_rss_mb": peaks,
        "seed_s": round(seeded.seed_s, 3),
        "seed_timings_s": {k: round(v, 3) for k, v in seeded.timings.items()},
        "limit": asdict(limit_result) if limit_result else None,
        "histogram": {"start_ms": start, "bin_ms": width, "counts": counts},
        **extra,
    }


def target_check(name: str, value: float, ok: bool, shown: str) -> dict[str, Any]:
    return {"target": name, "value": value, "pass": bool(ok), "shown": shown}


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The release-engine issue's targets that apply at this run's scale."""
    n = result["pledges"]
    checks = [
        target_check(
            "every pledge posted exactly once (posted = pledges, no duplicate, lost, early "
            "request or wrong text)",
            result["posted"],
            result["posted"] == n
            and result["duplicates"] == result["lost"] == result["early_requests"] == 0
            and result["wrong_text"] == 0,
            f"{result['posted']}/{n}, dup {result['duplicates']}, lost {result['lost']}, "
            f"early {result['early_requests']}",
        )
    ]
    if n >= 10_000:
        ratio, first, p99 = result["ratio"], result["first_request_late_ms"], result["p99_ms"]
        checks += [
            target_check("10,000 pledges: ratio ≥ 0.8", ratio, ratio >= 0.8, f"{ratio:.2f}"),
            target_check(
                "10,000 pledges: first post ≤ 50 ms after T (request reaching the platform)",
                first,
                first <= 50,
                f"{first:.0f} ms",
            ),
            target_check("10,000 pledges: p99 ≤ 5 s", p99, p99 <= 5000, f"{p99:.0f} ms"),
        ]
    if n >= 100_000:
        peak = max(result["peak_rss_mb"].values(), default=math.nan)
        checks.append(
            target_check(
                "100,000 pledges: peak RSS ≤ 300 MB per worker", peak, peak <= 300, f"{peak} MB"
            )
        )
    return checks


def _ms(value: float) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:,.0f} ms"


def _rate(value: float) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:,.0f}/s"


def print_result(result: dict[str, Any]) -> None:
    table = Table(title=f"release of {result['pledges']:,} pledges, {result['workers']} worker(s)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("database / latency", f"{result['database']} / {result['latency_ms']} ms"),
        ("seed", f"{result['seed_s']:.1f} s"),
        ("campaign", f"{result['campaign_status']}{' (timed out)' * result['timed_out']}"),
        ("posted / duplicates / lost", f"{result['posted']} / {result['duplicates']} / "
         f"{result['lost']}"),
        ("failed / unconfirmed", f"{result['failed']} / {result['unconfirmed']}"),
        ("early posts / wrong text", f"{result['early_requests']} / {result['wrong_text']}"),
        ("deliveries (rows)", json.dumps(result["deliveries"])),
        ("sandbox vs delivery mismatches", str(result["delivery_mismatch"])),
        ("first post after T (stored)", _ms(result["first_post_late_ms"])),
        ("first request after T (stored - latency)", _ms(result["first_request_late_ms"])),
        ("  by platform", ", ".join(f"{k} {_ms(v)}" for k, v in sorted(
            result.get("first_request_by_platform_ms", {}).items())) or "-"),
        ("p50 / p99 / max offset", " / ".join(_ms(result[k]) for k in ("p50_ms", "p99_ms",
                                                                        "max_ms"))),
        ("spread first→last", _ms(result["spread_ms"])),
        ("release posts/s (first→last)", _rate(result["release_posts_per_s"])),
        ("release posts/s (from T)", _rate(result["posts_per_s_from_t"])),
        ("limit posts/s (bare aiohttp)", _rate(result["limit_posts_per_s"])),
        ("ratio", "-" if not math.isfinite(result["ratio"]) else f"{result['ratio']:.3f}"),
        ("worker CPU per post (after T)", f"{result['cpu_ms_per_post']:.2f} ms"),
        ("load average (start, end)", "{start:.1f}, {end_of_release:.1f}".format(
            **result["load_avg_1m"])),
        ("preparation (image: {})".format("yes" if result["image"] else "no"),
         "-" if result["preparation_s"] is None else
         f"{result['preparation_s']:.1f} s, {result['preparation_s_per_1000']:.2f} s per 1,000"),
        ("peak RSS", ", ".join(f"{k} {v} MB" for k, v in result["peak_rss_mb"].items())),
        ("workers ready after", ", ".join(f"{k} {v}s" for k, v in result["worker_ready_s"].items())
         or "-"),
    ]  # fmt: skip
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


def print_targets(checks: list[dict[str, Any]]) -> None:
    table = Table(title="targets")
    table.add_column("target")
    table.add_column("measured", justify="right")
    table.add_column("")
    for c in checks:
        table.add_row(c["target"], c["shown"], "[green]PASS[/]" if c["pass"] else "[red]MISS[/]")
    console.print(table)


def _clean(value: Any) -> Any:
    """JSON has no NaN: unmeasured numbers become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def write_outputs(
    args: argparse.Namespace, report: dict[str, Any], runs: list[tuple[dict[str, Any], list[float]]]
) -> None:
    """The JSON, and one histogram per run (`NAME.svg`, or `NAME-w1.svg`, `NAME-w2.svg`)."""
    svg_path = args.svg or (args.png.with_suffix(".svg") if args.png else None)
    if svg_path is None and args.json is not None:
        svg_path = args.json.with_suffix(".svg")
    if svg_path is not None:
        for result, offsets in runs:
            path = svg_path
            if len(runs) > 1:
                path = svg_path.with_name(f"{svg_path.stem}-w{result['workers']}{svg_path.suffix}")
            marks = {"p50": result["p50_ms"], "p99": result["p99_ms"]} if offsets else None
            histogram.write_svg(
                path,
                offsets,
                f"{result['pledges']:,} pledges, {result['workers']} worker(s), latency "
                f"{result['latency_ms']} ms: offsets from T",
                marks,
            )
            result["histogram_svg"] = str(path)
            console.print(f"histogram: {path}")
    if args.json is not None:
        args.json.write_text(json.dumps(_clean(report), indent=2) + "\n", encoding="utf-8")
        console.print(f"results: {args.json}")
