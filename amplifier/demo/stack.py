"""Everything amplifier runs on, started locally on free ports: sandbox, Redis, web, worker, beat.

The demo and the end-to-end tests share it, so the tests exercise exactly what the demo shows.
Configuration reaches the children the way it reaches a real deployment: environment variables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amplifier.db import upgrade
from amplifier.platforms.registry import PLATFORMS
from amplifier.runtime import Runtime
from amplifier.supervisor import (
    Stack,
    beat_argv,
    free_port,
    sandbox_argv,
    start_embedded_redis,
    wait_for_http,
    web_argv,
    worker_argv,
)
from config.settings import Settings


@dataclass
class LocalStack:
    data_dir: Path
    web_url: str
    x_url: str
    mastodon_urls: list[str]
    redis_url: str
    env: dict[str, str]
    processes: Stack
    runtime: Runtime
    extra: dict[str, str] = field(default_factory=dict)
    sandbox_urls: list[str] = field(default_factory=list)  # every emulated host
    announced: dict[str, Any] = field(default_factory=dict)  # the sandbox's ready line

    def handle_domains(self) -> dict[str, str]:
        """platform → the domain of its sandbox handles, for platforms whose accounts are named
        by a handle."""
        end = "_handle_domain"
        return {k[: -len(end)]: str(v) for k, v in self.announced.items() if k.endswith(end)}


def sandbox_env(announced: dict[str, Any]) -> dict[str, str]:
    """Settings that point amplifier's adapters at a running sandbox, not at the platforms."""
    env = {
        "AMPLIFIER_X_CLIENT_ID": announced["x_client_id"],
        "AMPLIFIER_X_CLIENT_SECRET": announced["x_client_secret"],
        "AMPLIFIER_X_API_BASE": announced["x_url"],
        "AMPLIFIER_X_AUTHORIZE_URL": announced["x_url"] + "/i/oauth2/authorize",
        "AMPLIFIER_X_WEB_BASE": announced["x_url"],
        "AMPLIFIER_MASTODON_ALLOW_HTTP": "true",
        "AMPLIFIER_MASTODON_SUGGESTED_INSTANCE": announced["mastodon_urls"][0],
        # handles resolve, DID documents and post pages live on the sandbox's PDS
        "AMPLIFIER_BLUESKY_ALLOW_HTTP": "true",
        "AMPLIFIER_BLUESKY_HANDLE_RESOLVER": announced["bluesky_url"],
        "AMPLIFIER_BLUESKY_PLC_DIRECTORY": announced["bluesky_url"],
        "AMPLIFIER_BLUESKY_WEB_BASE": announced["bluesky_url"],
    }
    for found in PLATFORMS.values():  # the platforms that say how
        env.update(found.sandbox_env(announced))
    return env


def sandbox_urls(announced: dict[str, Any]) -> list[str]:
    """Every emulated host the sandbox's ready line announces (`<name>_url`, `<name>_urls`)."""
    urls: list[str] = []
    for key, value in announced.items():
        if key.endswith("_url") and isinstance(value, str):
            urls.append(value)
        elif key.endswith("_urls") and isinstance(value, list):
            urls.extend(str(v) for v in value)
    return urls


def sandbox_hosts(announced: dict[str, Any]) -> str:
    """ "X http://…, Mastodon http://…, Bluesky http://… (handles NAME.bsky.sandbox), …": where
    each emulated platform listens, by its label, for the line `demo` and `up --sandbox` print."""
    parts = []
    for key, value in announced.items():
        name, _, kind = key.rpartition("_")
        if kind not in ("url", "urls") or name not in PLATFORMS:
            continue
        urls = value if isinstance(value, list) else [value]
        domain = announced.get(f"{name}_handle_domain")
        handles = f" (handles NAME.{domain})" if domain else ""
        parts.append(f"{PLATFORMS[name].label} {', '.join(map(str, urls))}{handles}")
    return ", ".join(parts)


# the sandbox's hosts on free ports (every emulator the apps are wired to above)
SANDBOX_PORTS = (*("--x-port", "0", "--mastodon-port", "0"),)


def settings_env(values: dict[str, str]) -> Settings:
    """A Settings object for this process built from the same variables the children get."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        return Settings(_env_file=None)  # type: ignore[call-arg]
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextmanager
def local_stack(
    data_dir: Path,
    *,
    database_url: str | None = None,
    redis_url: str | None = None,
    worker: bool = True,
    beat: bool = True,
    web: bool = True,
    sandbox_args: tuple[str, ...] = (),
    extra_env: dict[str, str] | None = None,
) -> Iterator[LocalStack]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with Stack(data_dir / "logs") as stack:
        sandbox = stack.start(
            "sandbox",
            sandbox_argv(*SANDBOX_PORTS, *sandbox_args),
            capture_stdout=True,
        )
        announced = sandbox.read_json_line(timeout=30)
        redis = redis_url or start_embedded_redis(stack, data_dir / "redis")
        web_port = free_port()
        web_url = f"http://127.0.0.1:{web_port}"
        env = {
            "AMPLIFIER_ENV": "development",
            "AMPLIFIER_DATA_DIR": str(data_dir),
            "AMPLIFIER_DATABASE_URL": database_url
            or f"sqlite:///{(data_dir / 'amplifier.sqlite3').resolve()}",
            "AMPLIFIER_REDIS_URL": redis,
            "AMPLIFIER_PUBLIC_URL": web_url,
            "AMPLIFIER_WEB_HOST": "127.0.0.1",
            "AMPLIFIER_WEB_PORT": str(web_port),
            **sandbox_env(announced),
            **(extra_env or {}),
        }
        settings = settings_env(env)
        upgrade(settings.resolved_database_url)
        runtime = Runtime.from_settings(settings)
        if web:
            web_proc = stack.start("web", web_argv("127.0.0.1", web_port), env=env)
            wait_for_http(f"{web_url}/healthz", 60, web_proc)
        if worker:
            stack.start("worker", worker_argv(), env=env)
        if beat:
            stack.start("beat", beat_argv(data_dir / "celerybeat-schedule"), env=env)
        try:
            yield LocalStack(
                data_dir=data_dir,
                web_url=web_url,
                x_url=announced["x_url"],
                mastodon_urls=list(announced["mastodon_urls"]),
                redis_url=redis,
                env=env,
                announced=announced,
                processes=stack,
                runtime=runtime,
                sandbox_urls=sandbox_urls(announced),
            )
        finally:
            runtime.db.dispose()
