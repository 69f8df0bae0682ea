"""A small web server on loopback standing for the deployment's public address: Threads (and its
emulator) fetch a post's image from there instead of taking its bytes.

Why here: the Threads adapter's tests and the Meta emulators' tests both needed one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


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


@contextmanager
def public_site_serving(files: dict[str, tuple[str, bytes]] | None = None) -> Iterator[PublicSite]:
    """A `PublicSite` serving `files` for the block, stopped after it."""
    site = PublicSite()
    site.files.update(files or {})
    try:
        yield site
    finally:
        site.stop()
