"""``python -m amplifier.sandbox`` prints its ready line and stops on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import requests


def test_cli_ready_json_and_sigterm() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "amplifier.sandbox",
            "--host",
            "127.0.0.1",
            "--x-port",
            "0",
            "--mastodon-port",
            "0",
            "--mastodon-port",
            "0",
            "--x-client-id",
            "cli-id",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["x_client_id"] == "cli-id"
        assert ready["x_client_secret"]  # generated
        assert ready["x_url"].startswith("http://127.0.0.1:")
        assert len(ready["mastodon_urls"]) == 2
        for url in ready["mastodon_urls"]:
            inst = requests.get(f"{url}/api/v2/instance", timeout=5)
            assert inst.status_code == 200
        info = requests.get(f"{ready['x_url']}/_sandbox/info", timeout=5).json()
        assert info["platform"] == "x" and info["x_client_id"] == "cli-id"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_amplifier_sandbox_help_lists_the_emulators_options() -> None:
    """`amplifier sandbox --help` used to print only `--help` itself, though it says to use it."""
    shown = subprocess.run(
        [sys.executable, "-m", "amplifier", "sandbox", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    for option in ("--latency-ms", "--x-port", "--x-app-name", "--tumblr-app-name"):
        assert option in shown.stdout
