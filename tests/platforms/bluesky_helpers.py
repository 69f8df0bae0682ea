"""Bluesky test helpers: our client metadata served over real HTTP, and a ready adapter."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from amplifier.platforms.bluesky import BlueskyAdapter, dpop
from amplifier.platforms.bluesky import client as bsky_client
from amplifier.platforms.bluesky.identity import Resolver

from .helpers import REDIRECT_URI


@contextmanager
def client_site() -> Iterator[tuple[str, Any]]:
    """Our client metadata and JWKS (amplifier's own builders) on a loopback HTTP server:
    the emulator fetches them from the client_id URL, as an authorization server does."""
    key = dpop.new_key(kid="test-key")
    documents: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = documents.get(self.path)
            body = json.dumps(found).encode()
            self.send_response(200 if found is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    public_url = f"http://127.0.0.1:{server.server_address[1]}"
    documents[bsky_client.METADATA_PATH] = bsky_client.metadata(
        public_url, REDIRECT_URI, "amplifier tests"
    )
    documents[bsky_client.JWKS_PATH] = bsky_client.jwks(key)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield public_url, key
    finally:
        server.shutdown()
        server.server_close()


def make_adapter(base: str, public_url: str, key: Any, *, timeout: float) -> BlueskyAdapter:
    return BlueskyAdapter(
        pds_url=base,
        client_id=bsky_client.client_id(public_url),
        client_key=key,
        resolver=resolver(base, timeout),
        timeout=timeout,
        public_only=False,  # the sandbox listens on loopback
        web_base=base,
    )


def resolver(base: str, timeout: float = 5.0) -> Resolver:
    return Resolver(plc_directory=base, handle_resolver=base, timeout=timeout, public_only=False)
