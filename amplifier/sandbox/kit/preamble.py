"""What every API handler does first, written once: latency, injected failure, bearer token,
rate windows, scopes; and what a post-creating handler does last (the faults after accepting).

The order is the platforms' own: a failure injected by the admin API (``fail_next``,
``error_rate``) answers before anything is looked at; then the bearer token (the dialect's
``unauthenticated`` answer); then every rate window of the endpoint is counted, or none is when
one is spent (the dialect's ``rate_limited``, with the windows' headers); then the scopes (the
dialect's ``out_of_scope``). Every answer after the windows carries their headers, in the header
names the emulator declares (:class:`~amplifier.sandbox.kit.dialect.RateHeaders`), plus
``Retry-After`` when the faults' ``rate_limit_header`` asks for it.

    @endpoint(bearer=True, windows=(WINDOW,), scopes=("write:posts",))
    async def create(call: Call) -> web.StreamResponse: ...
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from aiohttp import web

from amplifier.sandbox.kit.dialect import AuthFailure, RateWindow
from amplifier.sandbox.kit.faults import Window
from amplifier.sandbox.kit.state import AccessToken, HostState, User, iso, now
from amplifier.sandbox.kit.web_util import apply_latency, bearer_token, host_state, json_response


@dataclass
class Call:
    """A request that passed the preamble: its host, its token and user (when ``bearer``), and
    the rate-window headers every answer gets."""

    request: web.Request
    state: HostState
    auth: tuple[AccessToken, User] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def token(self) -> AccessToken:
        assert self.auth is not None, "the endpoint takes no bearer token"
        return self.auth[0]

    @property
    def user(self) -> User:
        assert self.auth is not None, "the endpoint takes no bearer token"
        return self.auth[1]

    def answer(self, body: object, status: int = 200) -> web.Response:
        return json_response(body, status, self.headers)


CallHandler = Callable[[Call], Awaitable[web.StreamResponse]]


def injected_failure(state: HostState, request: web.Request) -> web.Response | None:
    """The admin API's injected failure for this request, if it gets one (posts only, unless
    the faults' scope is "all")."""
    f = state.faults
    if (f.scope == "all" or state.dialect.creates_post(request)) and f.take_failure():
        return state.dialect.failure(f.error_status, stored=False, headers={})
    return None


def authenticate(
    state: HostState, request: web.Request, *, user_required: bool = True
) -> tuple[AccessToken, User | None] | AuthFailure:
    """The bearer token of ``request`` and its user, or why it does not hold."""
    value = bearer_token(request)
    token = state.tokens.get(value) if value else None
    if token is None:
        return "invalid"
    if token.revoked:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now():
        return "expired"
    user = state.users.get(token.user_id) if token.user_id else None
    if user is None and user_required:
        return "no_user"
    return token, user


def _open_windows(
    state: HostState, specs: Sequence[RateWindow], user: User, token: AccessToken
) -> list[tuple[RateWindow, Window]]:
    rl = state.faults.rate_limit
    opened: list[tuple[RateWindow, Window]] = []
    for spec in specs:
        if spec.limit is not None:
            limit, window_s = spec.limit, spec.window_s
        elif spec.per == "user":
            limit, window_s = rl.user_limit, rl.user_window_s
        else:
            limit, window_s = rl.app_limit, rl.app_window_s
            if limit <= 0:
                continue  # no app-wide window
        subject = user.id if spec.per == "user" else token.client_id
        opened.append((spec, state.limiter.window(spec.bucket, subject, limit, window_s)))
    return opened


def rate_headers(state: HostState, opened: Sequence[tuple[RateWindow, Window]]) -> dict[str, str]:
    """The headers of the windows, as the platform names them and the faults ask."""
    mode = state.faults.rate_limit_header
    headers: dict[str, str] = {}
    for spec, w in opened:
        names = spec.headers
        headers[names.limit] = str(w.limit)
        headers[names.remaining] = str(w.remaining)
        if mode in ("reset", "both"):
            reset = iso(w.reset_at) if names.reset_format == "iso" else str(int(w.reset_at))
            headers[names.reset] = reset
    spent = [w.reset_at for _, w in opened if w.exhausted]
    if mode in ("retry-after", "both") and spent:
        headers["Retry-After"] = str(max(0, math.ceil(max(spent) - time.time())))
    return headers


def count(
    state: HostState, specs: Sequence[RateWindow], user: User, token: AccessToken
) -> tuple[bool, dict[str, str]]:
    """Count one request in every window (none when one is spent); whether it may go on."""
    opened = _open_windows(state, specs, user, token)
    if any(w.exhausted for _, w in opened):
        return False, rate_headers(state, opened)
    for _, w in opened:
        w.count += 1
    return True, rate_headers(state, opened)


def endpoint(
    *,
    bearer: bool = False,
    windows: Sequence[RateWindow] = (),
    scopes: tuple[str, ...] = (),
    any_scope: tuple[str, ...] = (),
    faults: bool = True,
) -> Callable[[CallHandler], Callable[[web.Request], Awaitable[web.StreamResponse]]]:
    """Wrap an API handler in the preamble (module docstring).

    ``bearer``: a user's bearer token is required; ``windows``: the rate windows counted (with
    ``bearer``); ``scopes``: all needed, ``any_scope``: one of them needed; ``faults`` False: no
    failure injected here (the platform's own failures are of its API, not of every page).
    """

    def wrap(handler: CallHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        @functools.wraps(handler)
        async def preamble(request: web.Request) -> web.StreamResponse:
            state = host_state(request)
            await apply_latency(state)
            failure = injected_failure(state, request) if faults else None
            if failure is not None:
                return failure
            call = Call(request, state)
            if bearer:
                found = authenticate(state, request)
                if isinstance(found, str):
                    return state.dialect.unauthenticated(found)
                token, user = found
                assert user is not None
                call.auth = (token, user)
                ok, call.headers = count(state, windows, user, token)
                if not ok:
                    return state.dialect.rate_limited(call.headers)
                refused = _missing_scopes(state, token.scopes, scopes, any_scope)
                if refused:
                    return state.dialect.out_of_scope(refused, call.headers)
            answer = await handler(call)
            for name, value in call.headers.items():
                answer.headers.setdefault(name, value)
            return answer

        return preamble

    return wrap


def _missing_scopes(
    state: HostState, granted: frozenset[str], every: tuple[str, ...], one_of: tuple[str, ...]
) -> tuple[str, ...]:
    grants = state.dialect.grants
    if not all(grants(granted, s) for s in every):
        return every
    if one_of and not any(grants(granted, s) for s in one_of):
        return one_of
    return ()


async def after_accept(call: Call) -> web.Response | None:
    """The faults a stored post may still get: an error answer that lies (``fail_after_accept``)
    or an answer held back ``hang_s`` seconds (``timeout_after_accept``)."""
    f = call.state.faults
    if f.take_failure_after_accept():
        return call.state.dialect.failure(f.error_status, stored=True, headers=call.headers)
    if f.take_hang():
        await asyncio.sleep(f.hang_s)
    return None
