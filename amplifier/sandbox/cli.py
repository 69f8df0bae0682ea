"""``python -m amplifier.sandbox``: serve the emulated platforms until SIGTERM or SIGINT.

The flags come from the registry: ``--<name>-port`` (repeated for an emulator of several hosts)
and ``--<name>-<setting>`` for each of its settings (``--help`` lists them). When every port
listens, one line of JSON goes to stdout (flushed): ``{"<name>_url": ...}`` for an emulator of one
host, ``{"<name>_urls": [...]}`` for one of several, and ``"<name>_<setting>"`` for each
setting it announces (see :meth:`Sandbox.ready_json`).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import signal
import sys
from collections.abc import Sequence
from typing import Any

from amplifier.sandbox.kit.dialect import Emulator
from amplifier.sandbox.registry import EMULATORS
from amplifier.sandbox.server import Sandbox, SandboxConfig, port_option


def _parser(emulators: Sequence[Emulator[Any]]) -> argparse.ArgumentParser:
    labels = [e.label for e in emulators]
    named = f"{', '.join(labels[:-1])} and of {labels[-1]}" if len(labels) > 1 else labels[0]
    parser = argparse.ArgumentParser(
        prog="python -m amplifier.sandbox",
        description=f"Local emulator of {named}.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--latency-ms", type=int, default=0)
    for emulator in emulators:
        flag = f"--{emulator.name}-port"
        if emulator.many:
            parser.add_argument(
                flag,
                type=int,
                action="append",
                dest=port_option(emulator),
                help="one host per occurrence (0 picks a free port); default: one",
            )
        else:
            parser.add_argument(
                flag, type=int, default=0, dest=port_option(emulator), help="0 picks a free port"
            )
        for f in dataclasses.fields(emulator.settings):
            parser.add_argument(
                f"--{emulator.name}-{f.name.replace('_', '-')}",
                type=str if f.default is None else type(f.default),
                default=f.default,
                dest=f"{emulator.name}_{f.name}",
                help=f.metadata.get("help"),
            )
    return parser


def parse_args(
    argv: list[str] | None, emulators: Sequence[Emulator[Any]] = EMULATORS
) -> SandboxConfig:
    """The configuration the flags name; argparse exits (status 2) on a bad one."""
    args = vars(_parser(emulators).parse_args(argv))
    host, latency_ms = args.pop("host"), args.pop("latency_ms")
    options = {k: v for k, v in args.items() if v is not None}
    return SandboxConfig.from_options(host, latency_ms, emulators=emulators, **options)


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
