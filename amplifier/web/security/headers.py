"""Security headers on every response, and the API docs page with its own, relaxed CSP.

Pages run no inline script or style (they live in /static), so the CSP allows only our own
origin: an injected <script> would not run. Scripts may fetch only from our own origin (the
campaign state endpoints the pages poll). Forms may post to ourselves and follow the pledge
start's redirect to the platform's sign-in page (X, or any Mastodon server the supporter names,
so any https origin; http too when the sandbox is configured). Nobody may frame us.

Pages whose address carries a secret (the manage link /p/…, the OAuth callback with its code)
send no Referer at all and are never cached; elsewhere the Referer stays on our origin.

/docs is Swagger UI, loaded from jsDelivr: its CSP allows that one package's path, the hash of
FastAPI's inline start-up script, inline styles (Swagger sets them) and data: images.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi.openapi.docs import get_swagger_ui_html
from starlette.datastructures import MutableHeaders
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from amplifier.platforms.registry import PLATFORMS
from amplifier.web.security._refusal import is_api
from config.settings import Settings

# Swagger UI's files are served from the installed swagger-ui-bundle-v2 package (see app.py), so
# /docs works on a machine with no internet and the CSP names only this origin.
SWAGGER_ASSETS = "/docs/assets"
SWAGGER_JS = f"{SWAGGER_ASSETS}/swagger-ui-bundle.js"
SWAGGER_CSS = f"{SWAGGER_ASSETS}/swagger-ui.css"
SWAGGER_FAVICON = f"{SWAGGER_ASSETS}/favicon-32x32.png"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_SECRET_PATHS = ("/p/", "/oauth/", "/pledge/")


@dataclass(frozen=True)
class HeaderPolicy:
    https: bool
    form_targets: str  # where a form (and the redirect that answers it) may lead

    @classmethod
    def from_settings(cls, settings: Settings) -> HeaderPolicy:
        targets = ["'self'", "https:"]
        if any(d.allows_plain_http(d.settings_of(settings)) for d in PLATFORMS.values()):
            targets.append("http:")  # the sandbox
        return cls(https=settings.public_url.startswith("https://"), form_targets=" ".join(targets))

    @property
    def page_csp(self) -> str:
        return (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            "connect-src 'self'; "
            f"form-action {self.form_targets}; base-uri 'none'; frame-ancestors 'none'"
        )

    def for_path(self, path: str) -> Iterable[tuple[str, str]]:
        secret = path.startswith(_SECRET_PATHS)
        yield "Content-Security-Policy", self.page_csp
        yield "X-Content-Type-Options", "nosniff"
        yield "X-Frame-Options", "DENY"
        yield "Referrer-Policy", "no-referrer" if secret else "strict-origin-when-cross-origin"
        yield "Cross-Origin-Opener-Policy", "same-origin"
        yield "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        if secret or is_api(path):
            yield "Cache-Control", "no-store"
        if self.https:
            yield "Strict-Transport-Security", "max-age=31536000"

    def apply(self, response: Response, path: str) -> None:
        """For responses made outside the middleware (the 500 handler)."""
        for name, value in self.for_path(path):
            response.headers.setdefault(name, value)


class SecurityHeadersMiddleware:
    """Adds the policy's headers to every response that has not set its own."""

    def __init__(self, app: ASGIApp, *, policy: HeaderPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.policy.for_path(path):
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _script_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def docs_page(openapi_url: str, title: str) -> HTMLResponse:
    """Swagger UI with a CSP allowing exactly what it loads (and no online validator)."""
    page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=SWAGGER_JS,
        swagger_css_url=SWAGGER_CSS,
        swagger_favicon_url=SWAGGER_FAVICON,
        swagger_ui_parameters={"validatorUrl": None},
    )
    html = bytes(page.body).decode("utf-8")
    hashes = " ".join(_script_hash(s) for s in _INLINE_SCRIPT.findall(html))
    csp = (
        f"default-src 'none'; script-src 'self' {hashes}; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})
