"""How the web app is put under uvicorn: one configuration for `amplifier web` and the tests.

uvicorn believes `X-Forwarded-For` and `X-Forwarded-Proto` by default (`proxy_headers=True`)
from every address in `forwarded_allow_ips` — 127.0.0.1 unless `FORWARDED_ALLOW_IPS` says
otherwise — and rewrites the request's client address *before* amplifier sees it. Anyone on the
same host, or any proxy on loopback that passes the header through, could then choose the address
the rate limits count. So uvicorn's rule is switched off here, and amplifier's own, documented
rule is the only one: a forwarded address is believed only when the TCP peer is listed in
`AMPLIFIER_WEB_TRUSTED_PROXIES` (see `amplifier/web/security/ratelimit.py`). The app reads no
scheme or host from the request (links and cookies follow `AMPLIFIER_PUBLIC_URL`), so nothing is
lost by ignoring `X-Forwarded-Proto`.

`amplifier up`, `amplifier demo` and the Procfile's `web` line all run `amplifier web`, so this is
the one place the server is configured. With `AMPLIFIER_WEB_WORKERS` (or `--workers`) above 1,
uvicorn's supervisor starts that many processes sharing the listening socket, each building the
app with `production_app` (https://www.uvicorn.org/deployment/). uvloop and httptools, when
installed (they are dependencies), are what uvicorn's "auto" loop and HTTP parser choose.

Before a process serves, what it built (modules, the app, templates: some 200,000 objects) is
moved out of the garbage collector's sight (`settle_heap`). A full collection walks every
tracked object, and with the built app that took about 120 ms of CPU here: each one stopped that
process's event loop for as long, so every visitor whose request it held waited — most of the
page's 99th percentile under a crowd. What is frozen lives as long as the process anyway.
"""

from __future__ import annotations

import gc
from typing import Any

import uvicorn

from amplifier.logging_setup import wants_json


def server_options(*, host: str, port: int, log_level: str) -> dict[str, Any]:
    """uvicorn's options as amplifier sets them; `port` 0 lets the system choose. The access
    log stays off: request lines carry OAuth codes and manage-link signatures (docs/SECURITY.md).
    """
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": False,
        "proxy_headers": False,  # amplifier decides whom to believe: AMPLIFIER_WEB_TRUSTED_PROXIES
        "forwarded_allow_ips": "",
        "server_header": False,
    }
    if wants_json():  # uvicorn's own lines go through the root logger's JSON handler too
        options["log_config"] = None
    return options


def uvicorn_config(app: Any, *, host: str, port: int, log_level: str) -> uvicorn.Config:
    """The uvicorn configuration amplifier is served with in one process (`app`: the ASGI
    application, `create_app()`)."""
    return uvicorn.Config(app, **server_options(host=host, port=port, log_level=log_level))


def settle_heap() -> None:
    """Collect the start-up's garbage, then freeze what is left (Python's `gc.freeze`): later
    collections walk only what requests create, a few milliseconds instead of ~120."""
    gc.collect()
    gc.freeze()


def serve(app: Any, *, host: str, port: int, log_level: str) -> None:
    """Serve `app` in this process until interrupted (`amplifier web` with one worker)."""
    settle_heap()
    uvicorn.Server(uvicorn_config(app, host=host, port=port, log_level=log_level)).run()


def production_app() -> Any:
    """The app as each worker process builds it (uvicorn's factory)."""
    from amplifier.web.app import create_app

    app = create_app()
    settle_heap()
    return app


def serve_workers(workers: int, *, host: str, port: int, log_level: str) -> None:
    """Serve with `workers` processes (more than one) until interrupted."""
    uvicorn.run(
        f"{__name__}:production_app",
        factory=True,
        workers=workers,
        **server_options(host=host, port=port, log_level=log_level),
    )
