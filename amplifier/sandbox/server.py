"""Start and stop the emulated hosts: each registered emulator's, one or several per emulator.

Each host is an ``aiohttp.web`` application on its own port with its own :class:`HostState`.
:func:`run_in_thread` runs them in a background thread with its own event loop (for tests, the
demo and benchmarks); :class:`Sandbox` is the same thing for a caller that owns the loop.

The options are named after the registry (:mod:`amplifier.sandbox.registry`): for an emulator
``name``, ``name_port`` (one host) or ``name_ports`` (one host per port; 0 picks a free port) and
``name_<setting>`` for each field of its settings. The ready line and the attributes of a
:class:`RunningSandbox` carry ``name_url`` or ``name_urls`` and the settings it announces.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

from amplifier.sandbox.kit import admin, hostile, stats
from amplifier.sandbox.kit.dialect import Emulator
from amplifier.sandbox.kit.state import HostConfig, HostState
from amplifier.sandbox.kit.web_util import STATE_KEY
from amplifier.sandbox.registry import EMULATORS

SHUTDOWN_TIMEOUT_S = 0.5


def port_option(emulator: Emulator[Any]) -> str:
    return f"{emulator.name}_ports" if emulator.many else f"{emulator.name}_port"


@dataclass
class SandboxConfig:
    """``ports``: emulator name -> one port per host (missing: one host on a free port);
    ``settings``: emulator name -> its settings (missing: its defaults); ``emulators``: the
    registry's, unless a caller (a test of the kit) serves others."""

    host: str = "127.0.0.1"
    latency_ms: int = 0
    ports: dict[str, tuple[int, ...]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    emulators: Sequence[Emulator[Any]] = EMULATORS

    def __post_init__(self) -> None:
        for emulator in self.emulators:
            self.ports.setdefault(emulator.name, (0,))
            if self.settings.get(emulator.name) is None:
                self.settings[emulator.name] = emulator.settings()

    @classmethod
    def from_options(
        cls,
        host: str = "127.0.0.1",
        latency_ms: int = 0,
        *,
        emulators: Sequence[Emulator[Any]] = EMULATORS,
        **options: Any,
    ) -> SandboxConfig:
        """The configuration the options name (module docstring); TypeError on any other."""
        left = dict(options)
        ports: dict[str, tuple[int, ...]] = {}
        settings: dict[str, Any] = {}
        for emulator in emulators:
            key = port_option(emulator)
            if key in left:
                value = left.pop(key)
                ports[emulator.name] = tuple(value) if emulator.many else (int(value),)
            given = {}
            for f in dataclasses.fields(emulator.settings):
                option = f"{emulator.name}_{f.name}"
                if option in left:
                    given[f.name] = left.pop(option)
            settings[emulator.name] = emulator.settings(**given)
        if left:
            raise TypeError(f"unknown sandbox option(s): {', '.join(sorted(left))}")
        return cls(host, latency_ms, ports, settings, emulators)


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
    app = web.Application(client_max_size=32 * 1024**2, middlewares=[hostile.hostile_answers])
    app[STATE_KEY] = state
    state.dialect.add_routes(app)
    admin.add_routes(app)
    stats.install(app)
    return app


@dataclass
class Sandbox:
    """The emulated hosts, run on the caller's event loop."""

    config: SandboxConfig
    hosts: dict[str, list[HostState]] = field(default_factory=dict)
    _runners: list[web.AppRunner] = field(default_factory=list)

    def urls(self, name: str) -> list[str]:
        """The base URLs of the emulator ``name``'s hosts, in the order of their ports."""
        return [s.config.base_url for s in self.hosts.get(name, [])]

    async def start(self) -> None:
        try:
            for emulator in self.config.emulators:
                hosts = self.hosts.setdefault(emulator.name, [])
                for port in self.config.ports[emulator.name]:
                    hosts.append(await self._serve(emulator, port))
        except BaseException:
            await self.stop()
            raise

    async def _serve(self, emulator: Emulator[Any], port: int) -> HostState:
        cfg = self.config
        sock = _bind(cfg.host, port)
        host_config = HostConfig(
            name=emulator.name, base_url=_base_url(cfg.host, sock), latency_ms=cfg.latency_ms
        )
        state = HostState.create(host_config, emulator.dialect(cfg.settings[emulator.name]))
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

    def ready_json(self) -> dict[str, Any]:
        """What a client needs to know: each emulator's URL(s) and announced settings."""
        ready: dict[str, Any] = {}
        for emulator in self.config.emulators:
            urls = self.urls(emulator.name)
            if emulator.many:
                ready[f"{emulator.name}_urls"] = urls
            elif urls:
                ready[f"{emulator.name}_url"] = urls[0]
            settings = self.config.settings[emulator.name]
            for name in emulator.announce:
                ready[f"{emulator.name}_{name}"] = getattr(settings, name)
        return ready


class RunningSandbox:
    """A sandbox serving from a background thread; ``stop()`` or use it as a context manager.

    The ready line's entries read as attributes: ``sb.<name>_url`` or ``sb.<name>_urls`` and
    ``sb.<name>_<setting>`` (see the module docstring); AttributeError for any other name.
    """

    def __init__(self, sandbox: Sandbox, loop: asyncio.AbstractEventLoop, thread: threading.Thread):
        self._sandbox = sandbox
        self._loop = loop
        self._thread = thread
        self.announced: dict[str, Any] = sandbox.ready_json()

    def urls(self, name: str) -> list[str]:
        return self._sandbox.urls(name)

    def __getattr__(self, name: str) -> Any:
        announced = self.__dict__.get("announced", {})
        if name not in announced:
            raise AttributeError(name)
        return announced[name]

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
    latency_ms: int = 0,
    *,
    emulators: Sequence[Emulator[Any]] = EMULATORS,
    **options: Any,
) -> RunningSandbox:
    """Serve the sandbox from a daemon thread; returns once every port is listening.

    ``options`` as in the module docstring (``<name>_port=0``, ``<name>_ports=(0, 0)``,
    ``<name>_<setting>=...``); TypeError on an option no emulator has.
    """
    config = SandboxConfig.from_options(host, latency_ms, emulators=emulators, **options)
    sandbox = Sandbox(config)
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
