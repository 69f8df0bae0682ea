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


@pytest.mark.skipif(
    not os.environ.get("AMPLIFIER_TEST_POSTGRES_URL"), reason="bench.prepare needs PostgreSQL"
)
def test_bench_prepare_refreshes_every_pledge_once(tmp_path: Path) -> None:
    """The preparation mode, small: two workers share the pages, one refresh per pledge."""
    out, data_dir = tmp_path / "prepare.json", tmp_path / "data"
    url = _own_database(os.environ["AMPLIFIER_TEST_POSTGRES_URL"], "bench_prepare")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("AMPLIFIER_DATABASE_URL", "AMPLIFIER_REDIS_URL")
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.prepare", "--pledges", "120", "--latency-ms", "0",
         "--workers", "2", "--page-size", "20", "--database-url", url, "--reset-db",
         "--json", str(out), "--data-dir", str(data_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=280,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:] + _logs(data_dir)
    (run,) = json.loads(out.read_text())["runs"]
    assert run["pages"] == run["pages_done"] == 6
    assert run["token_refreshes"] == 120 and run["each_refreshed_once"]
    assert run["pledges_prepared_per_s"] > 0


def _own_database(url: str, suffix: str) -> str:
    """A database of its own beside the test database: `--reset-db` empties its schema, which
    must not pull the tables from under the rest of the session."""
    import sqlalchemy as sa

    base, _, name = url.rpartition("/")
    own = f"{name}_{suffix}"
    engine = sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": own}
            ).first()
            if exists is None:
                conn.execute(sa.text(f'CREATE DATABASE "{own}"'))
    finally:
        engine.dispose()
    return f"{base}/{own}"
