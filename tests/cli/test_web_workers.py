"""`amplifier web` with AMPLIFIER_WEB_WORKERS=2 serves from two processes, and a scrape of
/metrics adds both up (PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from amplifier.crypto import generate_fernet_key, new_secret
from amplifier.db import Database
from amplifier.supervisor import free_port

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_two_web_processes_answer_and_are_counted_together(
    tmp_path: Path, database: Database
) -> None:
    port = free_port()
    (tmp_path / "prom").mkdir()
    env = {
        **os.environ,
        "AMPLIFIER_DATABASE_URL": database.url,
        "AMPLIFIER_DATA_DIR": str(tmp_path / "data"),
        "AMPLIFIER_WEB_PORT": str(port),
        "AMPLIFIER_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "AMPLIFIER_TOKEN_KEYS": generate_fernet_key(),
        "AMPLIFIER_SIGNING_KEY": new_secret(16),
        "AMPLIFIER_WEB_WORKERS": "2",
        "AMPLIFIER_METRICS_TOKEN": "scrape",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"),
    }
    log = (tmp_path / "web.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "amplifier", "web"], env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 60
        while len(_children(proc.pid)) < 2 or not _answers(port):
            assert proc.poll() is None, (tmp_path / "web.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (tmp_path / "web.log").read_text()[-3000:]
            time.sleep(0.3)
        for _ in range(40):  # new connections: the kernel spreads them over both processes
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        scraped = requests.get(
            f"http://127.0.0.1:{port}/metrics",
            headers={"Authorization": "Bearer scrape"},
            timeout=10,
        )
        assert scraped.status_code == 200
        assert list((tmp_path / "prom").iterdir())  # the processes write there
        line = next(
            x
            for x in scraped.text.splitlines()
            if x.startswith("amplifier_web_request_seconds_count") and 'route="/healthz"' in x
        )
        assert float(line.rsplit(" ", 1)[1]) >= 40  # whichever process answered each
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False
