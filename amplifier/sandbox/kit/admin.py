"""The sandbox's own control API, the same on every port (JSON in, JSON out).

GET  /_sandbox/info            {"platform", "base_url", ...}
GET  /_sandbox/posts           {"posts": [{"id","user_id","username","text","created_at",
                                           "idempotency_key"}]}   in the order stored
GET  /_sandbox/users           {"users": [...]}
POST /_sandbox/users           {"username", "followers"?} -> the user (created or updated)
POST /_sandbox/tokens           {"users": [{"username", "followers"?}, ...], "client_id"?, "scope"?}
                               -> {"tokens": [{"username", "user_id", "access_token", ...}]}
                               in the order asked: each user created if missing and given the
                               tokens the token endpoint would issue after a consent (a
                               load-testing shortcut past the consent screen; see mint_tokens)
POST /_sandbox/expire-tokens   {"username"} -> {"expired": n}   access tokens expire now
POST /_sandbox/revoke          {"username"} -> {"revoked": n}   access and refresh tokens
GET  /_sandbox/faults          the current faults
POST /_sandbox/faults          any subset of the faults -> the faults after the change:
                               latency_ms, error_rate, error_status, fail_next,
                               timeout_after_accept_next + hang_s, scope ("posts" | "all"),
                               max_characters, duplicate_window_s, rate_limit {...}, and the
                               hostile answers (hostile.py): answer_fault (html_error,
                               plain_text_error, html_as_json, drop_before, truncated_json,
                               trickle, huge, drop_after) for the next answer_fault_next
                               requests, with trickle_interval_s, huge_bytes, retry_after_s
POST /_sandbox/expire-media    {"username"?} -> {"expired": n}   unattached uploads (of one user,
                               or every one) expire now, as if left too long
POST /_sandbox/reset           forget users, tokens, posts, faults -> {"reset": true}
GET  /_sandbox/stats           answers by route and status (stats.py)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from amplifier.sandbox.kit.media import expire_media
from amplifier.sandbox.kit.oauth import AdminRefusal
from amplifier.sandbox.kit.state import USERNAME_RE, HostState, User
from amplifier.sandbox.kit.web_util import host_state, json_response, read_params


def _bad(message: str, status: int = 400) -> web.Response:
    return json_response({"error": message}, status)


async def _body(request: web.Request) -> dict[str, Any] | web.Response:
    try:
        return await read_params(request)
    except ValueError as exc:
        return _bad(str(exc))


def _user_of(state: HostState, body: dict[str, Any]) -> User | web.Response:
    username = body.get("username")
    if not isinstance(username, str) or not username:
        return _bad("username is required")
    user = state.find_user(username)
    if user is None:
        return _bad(f"no user {username!r}", 404)
    return user


async def info(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    body: dict[str, Any] = {"platform": state.platform, "base_url": state.config.base_url}
    body.update(state.dialect.info())
    return json_response(body)


async def list_posts(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    return json_response({"posts": [p.public() for p in state.posts]})


async def list_users(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    return json_response({"users": [u.public() for u in state.users.values()]})


async def create_user(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    body = await _body(request)
    if isinstance(body, web.Response):
        return body
    username = body.get("username")
    if not isinstance(username, str) or not USERNAME_RE.match(username.lstrip("@")):
        return _bad("username must be 1 to 30 letters, digits or underscores")
    followers = body.get("followers")
    if followers is not None:
        try:
            followers = int(followers)
        except (TypeError, ValueError):
            return _bad("followers must be a whole number")
        if followers < 0:
            return _bad("followers must not be negative")
    user = state.get_or_create_user(username.lstrip("@"), followers)
    return json_response(user.public())


MAX_MINTED_USERS = 100_000


def _wanted_users(body: dict[str, Any]) -> list[tuple[str, int | None]] | web.Response:
    users = body.get("users")
    if not isinstance(users, list) or not users:
        return _bad("users must be a non-empty list")
    if len(users) > MAX_MINTED_USERS:
        return _bad(f"at most {MAX_MINTED_USERS} users per call")
    wanted: list[tuple[str, int | None]] = []
    for i, item in enumerate(users):
        if not isinstance(item, dict):
            return _bad(f"users[{i}] must be an object")
        username = item.get("username")
        if not isinstance(username, str) or not USERNAME_RE.match(username.lstrip("@")):
            return _bad(f"users[{i}].username must be 1 to 30 letters, digits or underscores")
        followers = item.get("followers")
        if followers is not None and (
            isinstance(followers, bool) or not isinstance(followers, int) or followers < 0
        ):
            return _bad(f"users[{i}].followers must be a whole number, not negative")
        wanted.append((username.lstrip("@"), followers))
    return wanted


def _grant(state: HostState, body: dict[str, Any]) -> tuple[str, frozenset[str]] | web.Response:
    """The client the tokens belong to and the scopes granted, as a consent would have."""
    client_id = body.get("client_id")
    scope = body.get("scope")
    if client_id is not None and not isinstance(client_id, str):
        return _bad("client_id must be a string")
    if scope is not None and (not isinstance(scope, str) or not scope.split()):
        return _bad("scope must be a non-empty string")
    grant = state.dialect.oauth.mint_grant(state, client_id, scope)
    if isinstance(grant, AdminRefusal):
        return _bad(grant.message, grant.status)
    return grant


async def mint_tokens(request: web.Request) -> web.StreamResponse:
    """Sign many users in at once, skipping the consent page (for load tests).

    Every user is created if missing (``followers`` updated when given) and receives exactly what
    the token endpoint answers after a consent (its body, with ``username`` and ``user_id``),
    for the client and scopes the platform's ``mint_grant`` settles (its default client and
    consent scopes when the body names none). The body is checked whole before anything
    changes. Bodies are limited to 1 MiB: send 5,000 users per call.
    """
    state = host_state(request)
    body = await _body(request)
    if isinstance(body, web.Response):
        return body
    wanted = _wanted_users(body)
    if isinstance(wanted, web.Response):
        return wanted
    grant = _grant(state, body)
    if isinstance(grant, web.Response):
        return grant
    client_id, scopes = grant
    oauth = state.dialect.oauth
    minted: list[dict[str, Any]] = []
    for username, followers in wanted:
        user = state.get_or_create_user(username, followers)
        issued = oauth.issue(state, user.id, client_id, scopes)
        minted.append({"username": user.username, "user_id": user.id, **issued})
    return json_response({"tokens": minted})


async def _for_user(
    request: web.Request, act: Callable[[HostState, str], int], done: str
) -> web.StreamResponse:
    state = host_state(request)
    body = await _body(request)
    if isinstance(body, web.Response):
        return body
    user = _user_of(state, body)
    if isinstance(user, web.Response):
        return user
    return json_response({done: act(state, user.id)})


async def expire_tokens(request: web.Request) -> web.StreamResponse:
    return await _for_user(request, HostState.expire_tokens, "expired")


async def revoke(request: web.Request) -> web.StreamResponse:
    return await _for_user(request, HostState.revoke_user_tokens, "revoked")


async def get_faults(request: web.Request) -> web.StreamResponse:
    return json_response(host_state(request).faults.as_json())


async def set_faults(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    body = await _body(request)
    if isinstance(body, web.Response):
        return body
    try:
        state.faults.update(body)
    except ValueError as exc:
        return _bad(str(exc))
    return json_response(state.faults.as_json())


async def expire_uploads(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    body = await _body(request)
    if isinstance(body, web.Response):
        return body
    user_id = None
    if body.get("username"):
        user = _user_of(state, body)
        if isinstance(user, web.Response):
            return user
        user_id = user.id
    return json_response({"expired": expire_media(state, user_id)})


async def reset(request: web.Request) -> web.StreamResponse:
    host_state(request).reset()
    return json_response({"reset": True})


ROUTES = (
    ("GET", "/_sandbox/info", info),
    ("GET", "/_sandbox/posts", list_posts),
    ("GET", "/_sandbox/users", list_users),
    ("POST", "/_sandbox/users", create_user),
    ("POST", "/_sandbox/tokens", mint_tokens),
    ("POST", "/_sandbox/expire-tokens", expire_tokens),
    ("POST", "/_sandbox/revoke", revoke),
    ("GET", "/_sandbox/faults", get_faults),
    ("POST", "/_sandbox/faults", set_faults),
    ("POST", "/_sandbox/expire-media", expire_uploads),
    ("POST", "/_sandbox/reset", reset),
)


def add_routes(app: web.Application) -> None:
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
