"""A local emulator of the platforms' HTTP APIs, faithful to their published documentation.

It stands apart from the rest of amplifier and imports nothing of it, so that an adapter and the
emulator cannot be wrong in the same way by sharing code.

    from amplifier.sandbox import run_in_thread
    with run_in_thread(latency_ms=0) as sb:   # options and attributes: see ``server``
        sb.announced                           # each emulator's URL(s) and announced settings

Layout: ``registry`` (the emulated platforms, one line each), ``emulators/<name>/`` (each
platform's routes and specifics), ``kit/`` (what they share: state, faults, hostile answers,
the handler preamble, the OAuth 2 server, consent and post pages, the ``/_sandbox/*`` admin API),
``server`` (start/stop, threads), ``cli`` (``python -m amplifier.sandbox``). Adding a platform:
docs/adding-a-platform.md.
"""

from amplifier.sandbox.cli import main
from amplifier.sandbox.server import RunningSandbox, Sandbox, SandboxConfig, run_in_thread

__all__ = ["RunningSandbox", "Sandbox", "SandboxConfig", "main", "run_in_thread"]
