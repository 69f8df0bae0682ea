"""`amplifier demo` as a newcomer reads it: what starts, when things happen in local time, the
deadline's verdict, the report in the order the posts left, numbers with separators, and no
log directory advertised that the demo deletes at exit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_demo_tells_what_happens_in_local_time(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "220", "TZ": "America/New_York"}
    env.pop("AMPLIFIER_DATABASE_URL", None)
    ran = subprocess.run(
        [sys.executable, "-m", "amplifier", "demo", "--supporters", "4", "--release-in", "14"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = ran.stdout
    assert ran.returncode == 0, out + ran.stderr
    assert "starting Redis, the platform sandbox, the web app" in out
    assert "logs are deleted at exit" in out and "logs in " not in out
    # times on the local clock (New York here), each with how far away it is
    assert re.search(r"pledge deadline \d\d:\d\d:\d\d E[SD]T \(in \d+ s\)", out), out
    assert re.search(r"release \(T\) \d\d:\d\d:\d\d E[SD]T \(in \d+ s\)", out), out
    assert "deadline passed: judged, goal met (4 of 4 supporters)" in out
    offsets = [int(m.replace(",", "")) for m in re.findall(r"│\s+([\d,]+) │\s*$", out, re.M)]
    assert len(offsets) == 4 and offsets == sorted(offsets), out
    assert re.search(r"reach \d{1,3}(,\d{3})* followers posted to", out), out
    # the mails outlive the demo's data dir: where they are is printed, and they are there
    copied = re.search(r"copied to (\S+) as \.eml files", out)
    assert copied is not None, out
    assert len(list(Path(copied[1]).glob("*.eml"))) >= 4


def test_demo_with_keep_names_its_kept_logs(tmp_path: Path) -> None:
    keep = tmp_path / "kept"
    ran = subprocess.run(
        [sys.executable, "-m", "amplifier", "demo", "--supporters", "2", "--keep", str(keep)],
        env={**os.environ, "COLUMNS": "220"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert f"logs in {keep / 'logs'}" in " ".join(ran.stdout.split())
    assert any((keep / "logs").iterdir())
