"""The release benchmark, small and fast: it must run end to end and find every post once.

It drives whatever release engine is in the tree through real worker and beat processes, so it
keeps passing while the engine's insides change, as long as the engine posts each pledge once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _logs(data_dir: Path) -> str:
    tails = []
    for log in sorted(data_dir.glob("*/logs/*.log")):
        tails.append(f"--- {log.name}\n" + log.read_text(errors="replace")[-3000:])
    return "\n".join(tails)


def test_bench_release_posts_every_pledge_once(tmp_path: Path) -> None:
    out, data_dir = tmp_path / "bench.json", tmp_path / "data"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("AMPLIFIER_DATABASE_URL", "AMPLIFIER_REDIS_URL")
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.release", "--pledges", "200", "--latency-ms", "0",
         "--workers", "1", "--json", str(out), "--data-dir", str(data_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=280,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:] + _logs(data_dir)
    result = json.loads(out.read_text())
    assert result["campaign_status"] == "released"
    assert result["posted"] == 200
    assert result["duplicates"] == 0
    assert result["lost"] == 0
    assert result["wrong_text"] == 0 and result["early_requests"] == 0
    assert result["limit_posts_per_s"] > 0 and result["release_posts_per_s"] > 0
    assert result["peak_rss_mb"]["worker1"] > 0
    svg = out.with_suffix(".svg").read_text()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
