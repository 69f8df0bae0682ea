"""The public campaign page, rendered once a second per process instead of once per visitor.

A viral share sends a crowd to one page whose content is the same for everyone except one
thing: the form token (`security/csrf.py`), derived from each browser's own cookie. So the page
is rendered with the first visitor's token, the token is swapped for a mark, and the marked
body is kept `AMPLIFIER_WEB_PAGE_CACHE_S` seconds (default 1: counts may be that old); each
visitor gets the body with their own token put back, with no database round trip.

What the headers promise (RFC 9111 caching, RFC 9110 §8.8.3 ETag / §13.1.2 If-None-Match):
- a page holding a form token (pledges open), or asked for with an owner's session cookie, is
  `private, no-cache` (`private, no-store` with the session): a browser may keep it but must
  revalidate; no shared cache (CDN) may store it, since the token belongs to one browser;
- a page without forms (the campaign is over) is `public, max-age=<cache seconds>,
  stale-while-revalidate=30`: the same bytes for everyone, which a CDN may serve;
- the ETag is the body's hash (with the visitor's own token in it), and a matching
  `If-None-Match` is answered 304 with no body.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from functools import cached_property

from fastapi import Request, Response

from amplifier.web.deps import SECURE_SESSION_COOKIE, SESSION_COOKIE
from amplifier.web.security.csrf import csrf_token, peek_token

MARK = b"\x00amp-form-token\x00"  # NUL never appears in a rendered page
MAX_PAGES = 512  # campaigns kept per process; more are rendered again
STALE_S = 30  # a CDN may serve a stale public page this long while it fetches a new one


@dataclass(frozen=True)
class SharedPage:
    """A rendered page with the form token taken out, and when it was made (monotonic)."""

    body: bytes
    status: int
    media_type: str
    has_form: bool
    made: float

    @cached_property
    def _parts(self) -> list[bytes]:
        return self.body.split(MARK)

    @cached_property
    def _digest(self) -> bytes:
        return hashlib.blake2b(self.body, digest_size=16).digest()

    def answer(self, request: Request, max_age_s: float) -> Response:
        """This visitor's copy: their token put back, the caching headers, 304 if unchanged.

        The ETag hashes the shared body's digest with the token: the pair fixes the bytes
        sent, so the tag changes exactly when they do (and costs no pass over the page)."""
        body, token = self.body, b""
        if self.has_form:
            token = csrf_token(request).encode("ascii")
            body = token.join(self._parts)
        etag = '"' + hashlib.blake2b(self._digest + token, digest_size=12).hexdigest() + '"'
        headers = {"ETag": etag, "Cache-Control": self.cache_control(request, max_age_s)}
        if self.has_form:
            headers["Vary"] = "Cookie"
        if etag_matches(request.headers.get("if-none-match"), etag) and self.status == 200:
            return Response(status_code=304, headers=headers)
        return Response(body, self.status, headers=headers, media_type=self.media_type)

    def cache_control(self, request: Request, max_age_s: float) -> str:
        if has_session(request):
            return "private, no-store"
        if self.has_form:
            return "private, no-cache"
        return f"public, max-age={max(0, round(max_age_s))}, stale-while-revalidate={STALE_S}"


def has_session(request: Request) -> bool:
    """Whether an owner's web session cookie came with the request (its pages are personal)."""
    return SESSION_COOKIE in request.cookies or SECURE_SESSION_COOKIE in request.cookies


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: a list of entity tags (weak ones compared weakly) or "*"."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or etag in tags or f"W/{etag}" in tags


def shared(request: Request, response: Response) -> SharedPage:
    """Take the visitor's token out of a freshly rendered page."""
    body = bytes(response.body)
    token = peek_token(request)
    has_form = False
    if token is not None:
        marked = body.replace(token.encode("ascii"), MARK)
        has_form = marked != body
        body = marked
    media_type = response.media_type or "text/html"
    return SharedPage(body, response.status_code, media_type, has_form, time.monotonic())


class PageCache:
    """Pages by key for `ttl_s` seconds, per process (thread-safe; FastAPI runs the sync
    routes in a thread pool). A `ttl_s` of 0 keeps nothing."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._pages: dict[str, SharedPage] = {}
        self._values: dict[str, tuple[object, float]] = {}  # anything else, with its time
        self._lock = threading.Lock()
        self._refreshing: set[str] = set()

    def slug_or_refresh(self, asked: str) -> tuple[str | None, bool]:
        """(the campaign's slug that `asked` named, whether this caller must look it up again):
        `value_or_refresh` for slugs."""
        found, look_up = self.value_or_refresh(f"slug:{asked}")
        if not isinstance(found, str):
            return None, True
        return found, look_up

    def slug_refreshed(self, asked: str, *, failed: bool = False) -> None:
        self.value_refreshed(f"slug:{asked}", failed=failed)

    def know_slug(self, asked: str, slug: str) -> None:
        self.keep(f"slug:{asked}", slug)

    def value_or_refresh(self, key: str) -> tuple[object | None, bool]:
        """(what `keep` stored under `key`, whether this caller must make it again), as
        `get_or_refresh` does for pages: past its time, one caller asks the database while the
        others are answered with what is kept, instead of all of them at once."""
        found = self._values.get(key)
        if found is None:
            return None, True
        if time.monotonic() - found[1] < self.ttl_s:
            return found[0], False
        with self._lock:
            if key in self._refreshing:
                return found[0], False
            self._refreshing.add(key)
        return found[0], True

    def value_refreshed(self, key: str, *, failed: bool = False) -> None:
        """The making `value_or_refresh` asked for is over; a failed one (no such public
        campaign any more) also forgets what was kept."""
        with self._lock:
            self._refreshing.discard(key)
            if failed:
                self._values.pop(key, None)

    def keep(self, key: str, value: object) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            if len(self._values) >= 4 * MAX_PAGES:
                self._values.clear()
            self._values[key] = (value, time.monotonic())

    def get(self, key: str) -> SharedPage | None:
        found = self._pages.get(key)
        if found is None or time.monotonic() - found.made >= self.ttl_s:
            return None
        return found

    def get_or_refresh(self, key: str) -> tuple[SharedPage | None, bool]:
        """(the page to answer with, whether this caller must render a new one).

        A fresh page: (page, False). A page past its time: the first caller gets (stale page,
        True) and renders; everyone else meanwhile gets (stale page, False) — one render per
        key at a time instead of one per waiting visitor when the copy expires under a crowd.
        No page: (None, True)."""
        found = self._pages.get(key)
        if found is None:
            return None, True
        if time.monotonic() - found.made < self.ttl_s:
            return found, False
        with self._lock:
            if key in self._refreshing:
                return found, False
            self._refreshing.add(key)
        return found, True

    def refreshed(self, key: str, *, failed: bool = False) -> None:
        """The render `get_or_refresh` asked for is over; a failed one (the campaign is gone
        or hidden, the database is down) also drops the old copy: nobody is shown it again."""
        with self._lock:
            self._refreshing.discard(key)
            if failed:
                self._pages.pop(key, None)

    def put(self, key: str, page: SharedPage) -> SharedPage:
        if self.ttl_s <= 0:
            return page
        with self._lock:
            if len(self._pages) >= MAX_PAGES:
                now = time.monotonic()
                self._pages = {k: p for k, p in self._pages.items() if now - p.made < self.ttl_s}
                if len(self._pages) >= MAX_PAGES:
                    self._pages.clear()
            self._pages[key] = page
        return page


def page_cache(request: Request) -> PageCache:
    cache: PageCache = request.app.state.page_cache
    return cache
