"""Threads' emulator from the folder above's sandbox, reset for each test; and a small web
server on loopback standing for the deployment's public address (Threads fetches images)."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PIL import Image

from ..helpers import admin


@pytest.fixture
def threads_url(sandbox: Any) -> str:
    url = str(sandbox.threads_url).rstrip("/")
    admin(url, "reset", {})
    return url


def png(size: tuple[int, int] = (400, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 160, 90)).save(buffer, "PNG")
    return buffer.getvalue()


class PublicSite:
    """Serves `files` (path with query -> (media type, bytes)) at `url`; counts the fetches."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[str, bytes]] = {}
        self.fetched: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.fetched.append(self.path)
                found = site.files.get(self.path)
                if found is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", found[0])
                self.send_header("Content-Length", str(len(found[1])))
                self.end_headers()
                self.wfile.write(found[1])

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def public_site() -> Iterator[PublicSite]:
    site = PublicSite()
    try:
        yield site
    finally:
        site.stop()
