"""A local emulator of the platforms' HTTP APIs (X API v2, Mastodon), faithful to their docs.

It stands apart from the rest of amplifier and imports nothing of it, so that an adapter and the
emulator cannot be wrong in the same way by sharing code.

    from amplifier.sandbox import run_in_thread
    with run_in_thread(x_client_id="id", x_client_secret="secret") as sb:
        sb.x_url, sb.mastodon_urls

Modules: ``server`` (start/stop, threads), ``x_api`` and ``mastodon_api`` (the platforms),
``authorize_page`` (consent pages), ``admin`` (the ``/_sandbox/*`` control API), ``faults``
(fault injection, rate-limit windows), ``state`` (in-memory state of one host), ``textlen``
(each platform's text length), ``cli`` (``python -m amplifier.sandbox``).
"""

from amplifier.sandbox.cli import main
from amplifier.sandbox.server import RunningSandbox, Sandbox, SandboxConfig, run_in_thread

__all__ = ["RunningSandbox", "Sandbox", "SandboxConfig", "main", "run_in_thread"]
