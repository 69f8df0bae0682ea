"""``python -m amplifier.sandbox``: serve the emulated platforms until SIGTERM or SIGINT.

When every port listens, one line of JSON goes to stdout (flushed):
``{"x_url": ..., "mastodon_urls": [...], "x_client_id": ..., "x_client_secret": ...}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

from amplifier.sandbox.server import Sandbox, SandboxConfig


def parse_args(argv: list[str] | None) -> SandboxConfig:
    parser = argparse.ArgumentParser(
        prog="python -m amplifier.sandbox",
        description="Local emulator of the X API v2 and of Mastodon instances.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--x-port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--mastodon-port",
        type=int,
        action="append",
        dest="mastodon_ports",
        help="one Mastodon instance per occurrence (0 picks a free port); default: one",
    )
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--x-client-id", default=None, help="default: random")
    parser.add_argument("--x-client-secret", default=None, help="default: random")
    parser.add_argument("--x-token-ttl", type=int, default=7200, help="seconds")
    parser.add_argument("--mastodon-max-characters", type=int, default=500)
    args = parser.parse_args(argv)
    return SandboxConfig(
        host=args.host,
        x_port=args.x_port,
        mastodon_ports=tuple(args.mastodon_ports or [0]),
        latency_ms=args.latency_ms,
        x_client_id=args.x_client_id,
        x_client_secret=args.x_client_secret,
        x_token_ttl=args.x_token_ttl,
        mastodon_max_characters=args.mastodon_max_characters,
    )


async def serve(config: SandboxConfig) -> None:
    sandbox = Sandbox(config)
    await sandbox.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    sys.stdout.write(json.dumps(sandbox.ready_json()) + "\n")
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        await sandbox.stop()


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    try:
        asyncio.run(serve(config))
    except OSError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 1
    return 0
