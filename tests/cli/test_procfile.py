"""The Procfile, run the way the README documents it: migrations first, then honcho.

A new operator's setup: PostgreSQL (or SQLite) and Redis in the environment, a data directory
that does not exist yet, `amplifier db upgrade && honcho start web worker beat`. The service
must come up and stay up: the web answers, beat ticks (a campaign is judged at its deadline by
the tick, which only beat starts), and nothing exits early.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from amplifier.crypto import generate_fernet_key, new_secret
from amplifier.db import Database
from amplifier.supervisor import free_port
from amplifier.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _wait(check: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.3)
    pytest.fail(f"{what} within {timeout:.0f} s; honcho's output:\n{log.read_text()[-4000:]}")


def test_procfile_under_honcho_runs_and_keeps_running(
    tmp_path: Path, database: Database, redis_url: str
) -> None:
    port = free_port()
    bindir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
        "AMPLIFIER_DATABASE_URL": database.url,
        "AMPLIFIER_REDIS_URL": redis_url,
        "AMPLIFIER_DATA_DIR": str(tmp_path / "not-made-yet" / "data"),
        "AMPLIFIER_WEB_PORT": str(port),
        "AMPLIFIER_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "AMPLIFIER_TOKEN_KEYS": generate_fernet_key(),
        "AMPLIFIER_SIGNING_KEY": new_secret(16),
        "AMPLIFIER_MODERATION_AUTO_APPROVE": "true",
    }
    log = tmp_path / "honcho.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["bash", "-c", "amplifier db upgrade && exec honcho start web worker beat"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"

        def web_answers() -> bool:
            try:
                return requests.get(f"{base}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        _wait(web_answers, 60, "the web did not answer /healthz", log)
        token = (
            subprocess.run(
                [f"{bindir}/amplifier", "owner", "create", "Ada"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        now = utcnow()
        created = requests.post(
            f"{base}/api/campaigns",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "title": "Procfile check",
                "story": "A campaign that nobody supports, judged by beat's tick.",
                "message_text": "Nobody will post this",
                "goal": 5,
                "platforms": ["mastodon"],
                "pledge_deadline": (now + timedelta(seconds=4)).isoformat(),
                "release_at": (now + timedelta(seconds=60)).isoformat(),
            },
            timeout=10,
        )
        assert created.status_code == 201, created.text
        campaign_id = created.json()["id"]

        def judged() -> bool:
            answer = requests.get(
                f"{base}/api/campaigns/{campaign_id}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=5,
            )
            return answer.json()["status"] == "failed"

        _wait(judged, 45, "beat's tick did not judge the campaign at its deadline", log)
        assert proc.poll() is None, f"honcho stopped:\n{log.read_text()[-4000:]}"
        assert (tmp_path / "not-made-yet" / "data" / "celerybeat-schedule").exists() or any(
            (tmp_path / "not-made-yet" / "data").glob("celerybeat-schedule*")
        )
        text = log.read_text()
        assert "Traceback" not in text, text[-4000:]
        # the once-a-second tick stays out of the INFO log (beat, and the worker's receipts)
        assert "Sending due task amplifier-tick" not in text
        assert "Received task: workers.tasks.tick" not in text
        assert "Task workers.tasks.tick[" not in text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
