"""CSRF protection for every HTML form: a per-browser secret and a token derived from it.

The browser holds a random secret in an HttpOnly, SameSite=Lax cookie (`__Host-amp_csrf` when the
public URL is https, so a sibling subdomain cannot plant one); every form carries
HMAC(signing key, secret) as a hidden `csrf` field. Another site can make a browser POST here,
but can neither read the cookie nor compute the token, so every POST outside the owner API
without a matching token is refused with a page saying to reload and try again.

The cookie is set on any page that renders a form and did not receive one (the campaign page,
the consent page, the manage page), so the first form works. The owner API is exempt: it is
authenticated by a Bearer header, never by a cookie.

Only POST is checked: the pages route no other unsafe method (a test keeps it so), and a
cross-site PUT/PATCH/DELETE needs a CORS preflight, which this app never grants.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

from jinja2 import pass_context
from markupsafe import Markup
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from amplifier.crypto import same_secret
from amplifier.web.security._refusal import BODY_KEY, header, is_api, refuse
from amplifier.web.security.body import replay

log = logging.getLogger(__name__)

FIELD = "csrf"
COOKIE = "amp_csrf"
SECURE_COOKIE = "__Host-amp_csrf"
_STATE_KEY = "amplifier.csrf"
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")
_MAX_FORM_FIELDS = 100
_MAX_TOKEN = 100  # ours are 43 characters

# (request, the form's fields) -> (url, label) of the page that holds the form, or None
BackLink = Callable[[Request, Mapping[str, str]], Awaitable[tuple[str, str] | None]]


def cookie_name(https: bool) -> str:
    return SECURE_COOKIE if https else COOKIE


def token_for(key: bytes, secret: str) -> str:
    mac = hmac.new(key, b"amplifier-csrf:" + secret.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def token_valid(key: bytes, secret: str, token: str) -> bool:
    """Whether a form's token (any text: non-ASCII, overlong…) is this secret's; never raises."""
    return len(token) <= _MAX_TOKEN and same_secret(token_for(key, secret), token)


@dataclass
class _BrowserSecret:
    key: bytes
    secret: str
    fresh: bool  # minted for this response: the cookie must be set if a form used it
    rendered: bool = False


def csrf_token(request: Request) -> str:
    """The token for this browser's forms (marks the response as needing the cookie)."""
    state: _BrowserSecret | None = request.scope.get(_STATE_KEY)
    if state is None:
        raise RuntimeError("CsrfMiddleware is not installed: forms would carry no token")
    state.rendered = True
    return token_for(state.key, state.secret)


def peek_token(request: Request) -> str | None:
    """This browser's form token without marking the response as needing the cookie (for a
    cache that swaps the token out of a rendered page: web/page_cache.py); None outside the
    middleware."""
    state: _BrowserSecret | None = request.scope.get(_STATE_KEY)
    return None if state is None else token_for(state.key, state.secret)


@pass_context
def csrf_field(context: Mapping[str, Any]) -> Markup:
    """`{{ csrf_field() }}` inside every <form method="post">."""
    token = csrf_token(context["request"])
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, token)


def _cookie_value(scope: Scope, name: str) -> str | None:
    raw = header(scope, b"cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed Cookie header is no cookie
        return None
    morsel = jar.get(name)
    if morsel is None or not _SECRET_SHAPE.fullmatch(morsel.value):
        return None
    return morsel.value


async def _form(scope: Scope, body: bytes) -> dict[str, str] | None:
    """The first value of each field of a urlencoded or multipart form; None if unreadable."""
    ctype = (header(scope, b"content-type") or "").split(";", 1)[0].strip().lower()
    try:
        if ctype == "application/x-www-form-urlencoded":
            pairs = parse_qsl(
                body.decode("latin-1"), keep_blank_values=True, max_num_fields=_MAX_FORM_FIELDS
            )
            fields: dict[str, str] = {}
            for name, value in pairs:
                fields.setdefault(name, value)
            return fields
        if ctype == "multipart/form-data":

            async def nothing_more() -> Message:
                return {"type": "http.disconnect"}

            request = Request(scope, replay(body, nothing_more))
            # one file at most: the owner's image form (web/owner_image_pages.py)
            async with request.form(max_files=1, max_fields=_MAX_FORM_FIELDS) as form:
                return {k: v for k, v in form.multi_items()[::-1] if isinstance(v, str)}
    except Exception:  # malformed: treated as a form without a token
        return None
    return None


class CsrfMiddleware:
    def __init__(
        self, app: ASGIApp, *, key: bytes, https: bool, back_link: BackLink | None = None
    ) -> None:
        self.app = app
        self.key = key
        self.https = https
        self.cookie = cookie_name(https)
        self.back_link = back_link

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        existing = _cookie_value(scope, self.cookie)
        state = _BrowserSecret(
            key=self.key, secret=existing or secrets.token_urlsafe(32), fresh=existing is None
        )
        scope[_STATE_KEY] = state
        if scope["method"] == "POST" and not is_api(scope["path"]):
            body: bytes | None = scope.get(BODY_KEY)
            if body is None:
                raise RuntimeError("BodyLimitMiddleware must run before CsrfMiddleware")
            form = await _form(scope, body)
            token = (form or {}).get(FIELD, "")
            if existing is None or not token or not token_valid(self.key, existing, token):
                log.info(
                    "refused a form without a valid CSRF token: POST %s (%s)",
                    scope["path"],
                    "no cookie" if existing is None else "bad token",
                )
                back = None
                if self.back_link is not None:
                    back = await self.back_link(Request(scope, receive), form or {})
                await refuse(
                    scope,
                    receive,
                    send,
                    status=403,
                    title="This form has expired",
                    message="The form was sent without the security code amplifier puts in its "
                    "own pages, so nothing was recorded. This happens when a page stayed open "
                    "for a long time, when cookies are blocked for this site, or when the form "
                    "came from another site. Reload the page and try again (amplifier needs "
                    "its cookie to be allowed).",
                    back=back,
                )
                return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and state.fresh and state.rendered:
                headers = MutableHeaders(scope=message)
                secure = "; Secure" if self.https else ""
                headers.append(
                    "set-cookie",
                    f"{self.cookie}={state.secret}; Path=/; HttpOnly; SameSite=Lax{secure}",
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)
