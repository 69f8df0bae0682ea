"""Start and stop the emulated hosts: one X API and any number of Mastodon instances.

Each host is an ``aiohttp.web`` application on its own port with its own :class:`HostState`.
:func:`run_in_thread` runs them in a background thread with its own event loop (for tests, the
demo and benchmarks); :class:`Sandbox` is the same thing for a caller that owns the loop.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType

from aiohttp import web

from amplifier.sandbox.emulators.mastodon import api as mastodon_api
from amplifier.sandbox.emulators.x import api as x_api
from amplifier.sandbox.kit import admin, hostile, post_pages, stats
from amplifier.sandbox.kit.state import HostConfig, HostState, Platform
from amplifier.sandbox.kit.web_util import STATE_KEY

SHUTDOWN_TIMEOUT_S = 0.5


@dataclass
class SandboxConfig:
    host: str = "127.0.0.1"
    x_port: int = 0
    mastodon_ports: Sequence[int] = (0,)
    latency_ms: int = 0
    x_client_id: str | None = None
    x_client_secret: str | None = None
    x_token_ttl: int = 7200
    mastodon_max_characters: int = 500

    def __post_init__(self) -> None:
        if not self.x_client_id:
            self.x_client_id = secrets.token_urlsafe(18)
        if not self.x_client_secret:
            self.x_client_secret = secrets.token_urlsafe(36)


def _bind(host: str, port: int) -> socket.socket:
    family, _, _, _, addr = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def _base_url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def build_app(state: HostState) -> web.Application:
    app = web.Application(client_max_size=1024**2, middlewares=[hostile.hostile_answers])
    app[STATE_KEY] = state
    if state.platform == "x":
        x_api.add_routes(app)
    else:
        mastodon_api.add_routes(app)
    admin.add_routes(app)
    post_pages.add_routes(app, state.platform)
    stats.install(app)
    return app


@dataclass
class Sandbox:
    """The emulated hosts, run on the caller's event loop."""

    config: SandboxConfig
    x_state: HostState | None = None
    mastodon_states: list[HostState] = field(default_factory=list)
    _runners: list[web.AppRunner] = field(default_factory=list)

    @property
    def x_url(self) -> str:
        assert self.x_state is not None, "sandbox not started"
        return self.x_state.config.base_url

    @property
    def mastodon_urls(self) -> list[str]:
        return [s.config.base_url for s in self.mastodon_states]

    async def start(self) -> None:
        cfg = self.config
        try:
            self.x_state = await self._serve("x", cfg.x_port)
            for port in cfg.mastodon_ports:
                self.mastodon_states.append(await self._serve("mastodon", port))
        except BaseException:
            await self.stop()
            raise

    async def _serve(self, platform: Platform, port: int) -> HostState:
        cfg = self.config
        sock = _bind(cfg.host, port)
        host_config = HostConfig(
            platform=platform,
            base_url=_base_url(cfg.host, sock),
            latency_ms=cfg.latency_ms,
            x_client_id=cfg.x_client_id or "",
            x_client_secret=cfg.x_client_secret or "",
            x_token_ttl=cfg.x_token_ttl,
            max_characters=cfg.mastodon_max_characters,
        )
        state = HostState.create(host_config)
        runner = web.AppRunner(
            build_app(state),
            access_log=None,
            handler_cancellation=True,
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        )
        await runner.setup()
        self._runners.append(runner)
        site = web.SockSite(runner, sock, backlog=1024)
        await site.start()
        return state

    async def stop(self) -> None:
        runners, self._runners = self._runners, []
        await asyncio.gather(*(r.cleanup() for r in runners), return_exceptions=True)

    def ready_json(self) -> dict[str, object]:
        return {
            "x_url": self.x_url,
            "mastodon_urls": self.mastodon_urls,
            "x_client_id": self.config.x_client_id,
            "x_client_secret": self.config.x_client_secret,
        }


class RunningSandbox:
    """A sandbox serving from a background thread; ``stop()`` or use it as a context manager."""

    def __init__(self, sandbox: Sandbox, loop: asyncio.AbstractEventLoop, thread: threading.Thread):
        self._sandbox = sandbox
        self._loop = loop
        self._thread = thread
        self.x_url: str = sandbox.x_url
        self.mastodon_urls: list[str] = sandbox.mastodon_urls
        self.x_client_id: str = sandbox.config.x_client_id or ""
        self.x_client_secret: str = sandbox.config.x_client_secret or ""

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        future = asyncio.run_coroutine_threadsafe(self._sandbox.stop(), self._loop)
        try:
            future.result(timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def run_in_thread(
    host: str = "127.0.0.1",
    x_port: int = 0,
    mastodon_ports: Sequence[int] = (0,),
    latency_ms: int = 0,
    x_client_id: str | None = None,
    x_client_secret: str | None = None,
    x_token_ttl: int = 7200,
    *,
    mastodon_max_characters: int = 500,
) -> RunningSandbox:
    """Serve the sandbox from a daemon thread; returns once every port is listening."""
    sandbox = Sandbox(
        SandboxConfig(
            host=host,
            x_port=x_port,
            mastodon_ports=tuple(mastodon_ports),
            latency_ms=latency_ms,
            x_client_id=x_client_id,
            x_client_secret=x_client_secret,
            x_token_ttl=x_token_ttl,
            mastodon_max_characters=mastodon_max_characters,
        )
    )
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failure: list[BaseException] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(sandbox.start())
        except BaseException as exc:
            failure.append(exc)
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    thread = threading.Thread(target=serve, name="amplifier-sandbox", daemon=True)
    thread.start()
    ready.wait()
    if failure:
        thread.join()
        raise failure[0]
    return RunningSandbox(sandbox, loop, thread)
