"""The X API v2 emulator: OAuth 2.0 with PKCE, users/me, create and look up posts.

Facts, and where they come from:

* OAuth 2.0 Authorization Code Flow with PKCE
  (https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code and
  .../user-access-token): authorize at ``/i/oauth2/authorize`` with ``response_type=code``,
  ``client_id``, ``redirect_uri``, ``scope``, ``state``, ``code_challenge`` and
  ``code_challenge_method`` (``S256`` or ``plain``); exchange at ``POST /2/oauth2/token``
  (form-encoded) with ``grant_type=authorization_code``, ``code``, ``redirect_uri`` and
  ``code_verifier``; confidential clients authenticate with HTTP Basic, public clients send
  ``client_id`` in the body. The access token lives two hours (``expires_in`` 7200); a refresh
  token is issued only with the ``offline.access`` scope, and ``grant_type=refresh_token`` gives
  a new pair (the old refresh token is spent). ``POST /2/oauth2/revoke`` revokes a token.
  Token-endpoint errors use the RFC 6749 shape ``{"error", "error_description"}``.
* ``POST /2/tweets`` (https://docs.x.com/x-api/posts/creation-of-a-post): JSON ``{"text"}``,
  answer 201 ``{"data": {"id", "text", "edit_history_tweet_ids"}}``; needs the scopes
  ``tweet.read tweet.write users.read``.
* Errors ("Response codes and errors",
  https://docs.x.com/x-api/fundamentals/response-codes-and-errors): problem JSON
  ``{"title", "detail", "type", "status"}``, ``type`` ``about:blank`` for generic ones and
  ``https://api.twitter.com/2/problems/invalid-request`` (with ``errors``) for bad parameters.
  Duplicate text: 403 "You are not allowed to create a Tweet with duplicate content.". Too long:
  403 "Your Tweet text is too long. ..." (the text X answers with; the docs do not print it).
* ``GET /2/users/me`` with ``user.fields=public_metrics``
  (https://docs.x.com/x-api/users/user-lookup-me); ``GET /2/users/:id/tweets``
  (https://docs.x.com/x-api/users/get-posts) newest first, ``max_results`` 5..100, ``meta``
  with ``result_count``, ``newest_id``, ``oldest_id``, ``next_token``; ``GET /2/tweets/:id``.
  A missing resource is a 200 with ``errors`` of type ``.../resource-not-found``.
* Rate limits: see :mod:`amplifier.sandbox.kit.faults`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, NoReturn

from aiohttp import web

from amplifier.sandbox.kit import authorize_page
from amplifier.sandbox.kit.faults import Window
from amplifier.sandbox.kit.state import (
    USERNAME_RE,
    AccessToken,
    AuthCode,
    HostState,
    Post,
    User,
    iso,
    now,
)
from amplifier.sandbox.kit.textlen import X_MAX_WEIGHTED_LENGTH, x_weighted_length
from amplifier.sandbox.kit.web_util import (
    apply_latency,
    basic_credentials,
    bearer_token,
    host_state,
    is_http_url,
    json_response,
    read_params,
    with_query,
)

INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
TOO_LONG = (
    "Your Tweet text is too long. For more information on how X determines text length see "
    "https://github.com/twitter/twitter-text."
)
CODE_TTL_S = 600
DEFAULT_AVATAR = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
KNOWN_SCOPES = frozenset(
    [
        "tweet.read",
        "tweet.write",
        "tweet.moderate.write",
        "users.read",
        "users.email",
        "follows.read",
        "follows.write",
        "offline.access",
        "space.read",
        "mute.read",
        "mute.write",
        "like.read",
        "like.write",
        "list.read",
        "list.write",
        "block.read",
        "block.write",
        "bookmark.read",
        "bookmark.write",
        "dm.read",
        "dm.write",
        "media.write",
    ]
)
USER_FIELDS = frozenset(
    [
        "affiliation",
        "connection_status",
        "created_at",
        "description",
        "entities",
        "id",
        "location",
        "most_recent_tweet_id",
        "name",
        "pinned_tweet_id",
        "profile_banner_url",
        "profile_image_url",
        "protected",
        "public_metrics",
        "receives_your_dm",
        "subscription_type",
        "url",
        "username",
        "verified",
        "verified_type",
        "withheld",
    ]
)
TWEET_FIELDS = frozenset(
    [
        "article",
        "attachments",
        "author_id",
        "card_uri",
        "community_id",
        "context_annotations",
        "conversation_id",
        "created_at",
        "display_text_range",
        "edit_controls",
        "edit_history_tweet_ids",
        "entities",
        "geo",
        "id",
        "in_reply_to_user_id",
        "lang",
        "non_public_metrics",
        "note_tweet",
        "organic_metrics",
        "possibly_sensitive",
        "promoted_metrics",
        "public_metrics",
        "referenced_tweets",
        "reply_settings",
        "scopes",
        "source",
        "text",
        "withheld",
    ]
)
# documented per-user limits of the read endpoints we serve (15-minute windows)
READ_LIMITS = {"users_me": 75, "user_tweets": 900, "tweet_lookup": 900}


# ---- answers ---------------------------------------------------------------------------------

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def problem(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> web.Response:
    reason = title or _REASONS.get(status, "Error")
    body: dict[str, Any] = dict(extra or {})
    body.update({"title": reason, "detail": detail or reason, "type": type_, "status": status})
    return json_response(body, status, headers)


def invalid_request(parameter: str, value: str, message: str) -> web.Response:
    return problem(
        400,
        "One or more parameters to your request was invalid.",
        title="Invalid Request",
        type_=INVALID_REQUEST,
        extra={"errors": [{"parameters": {parameter: [value]}, "message": message}]},
    )


def oauth_error(status: int, error: str, description: str) -> web.Response:
    return json_response({"error": error, "error_description": description}, status)


def rate_headers(user_w: Window, app_w: Window | None = None) -> dict[str, str]:
    headers = {
        "x-rate-limit-limit": str(user_w.limit),
        "x-rate-limit-remaining": str(user_w.remaining),
        "x-rate-limit-reset": str(int(user_w.reset_at)),
    }
    if app_w is not None:
        headers["x-app-limit-24hour-limit"] = str(app_w.limit)
        headers["x-app-limit-24hour-remaining"] = str(app_w.remaining)
        headers["x-app-limit-24hour-reset"] = str(int(app_w.reset_at))
    return headers


def injected_failure(state: HostState, is_post: bool) -> web.Response | None:
    f = state.faults
    if (is_post or f.scope == "all") and f.take_failure():
        return problem(f.error_status)
    return None


def authenticate(state: HostState, request: web.Request) -> tuple[AccessToken, User] | None:
    value = bearer_token(request)
    if value is None:
        return None
    token = state.tokens.get(value)
    if token is None or token.revoked or token.user_id is None:
        return None
    if token.expires_at is not None and token.expires_at <= now():
        return None
    user = state.users.get(token.user_id)
    if user is None:
        return None
    return token, user


def unauthorized() -> web.Response:
    return problem(401, "Unauthorized")


def consume_read(state: HostState, bucket: str, user: User) -> tuple[bool, dict[str, str]]:
    w = state.limiter.window(bucket, user.id, READ_LIMITS[bucket], 900)
    if w.exhausted:
        return False, rate_headers(w)
    w.count += 1
    return True, rate_headers(w)


# ---- OAuth 2.0 -------------------------------------------------------------------------------


def _check_authorize_query(state: HostState, query: Any) -> tuple[web.Response | None, list[str]]:
    """Validate what must be valid before we may redirect; the error page, or the scopes."""
    cfg = state.config
    client_id = query.get("client_id", "")
    redirect_uri = query.get("redirect_uri", "")
    if not client_id or not hmac.compare_digest(client_id, cfg.x_client_id):
        return authorize_page.error_page(
            "Something went wrong", "You weren't able to give access to the App: unknown client_id."
        ), []
    if not is_http_url(redirect_uri):
        return authorize_page.error_page(
            "Something went wrong", "redirect_uri must be an http(s) URL."
        ), []
    if not query.get("code_challenge"):
        return authorize_page.error_page(
            "Something went wrong", "code_challenge is required (OAuth 2.0 with PKCE)."
        ), []
    if query.get("code_challenge_method", "plain") not in ("S256", "plain"):
        return authorize_page.error_page(
            "Something went wrong", "code_challenge_method must be S256 or plain."
        ), []
    if not query.get("state"):
        return authorize_page.error_page("Something went wrong", "state is required."), []
    if query.get("response_type") != "code":
        _redirect_error(redirect_uri, query["state"], "unsupported_response_type")
    scopes = query.get("scope", "").split()
    if not scopes or not set(scopes) <= KNOWN_SCOPES:
        _redirect_error(redirect_uri, query["state"], "invalid_scope")
    return None, scopes


def _redirect_error(redirect_uri: str, st: str, error: str, description: str = "") -> NoReturn:
    params = {"error": error}
    if description:
        params["error_description"] = description
    params["state"] = st
    raise web.HTTPFound(with_query(redirect_uri, params))


async def authorize_get(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    err, scopes = _check_authorize_query(state, request.query)
    if err is not None:
        return err
    return authorize_page.consent_page(
        platform_label="X",
        app_name="App " + state.config.x_client_id[:8],
        scopes=scopes,
        usernames=[u.username for u in state.users.values()],
        action=request.path_qs,
    )


async def authorize_post(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    query = request.query
    err, scopes = _check_authorize_query(state, query)
    if err is not None:
        return err
    form = await request.post()
    redirect_uri = query["redirect_uri"]
    if form.get("decision") != "approve":
        _redirect_error(
            redirect_uri, query["state"], "access_denied", "The user denied the request."
        )
    username = str(form.get("username", "")).strip().lstrip("@")
    followers_raw = str(form.get("followers", "")).strip()
    problem_text = None
    followers: int | None = None
    if not USERNAME_RE.match(username):
        problem_text = "A username is 1 to 30 letters, digits or underscores."
    elif followers_raw:
        try:
            followers = int(followers_raw)
            if followers < 0:
                raise ValueError
        except ValueError:
            problem_text = "Followers must be a whole number."
    if problem_text:
        return authorize_page.consent_page(
            platform_label="X",
            app_name="App " + state.config.x_client_id[:8],
            scopes=scopes,
            usernames=[u.username for u in state.users.values()],
            action=request.path_qs,
            error=problem_text,
            status=400,
        )
    existing = state.find_user(username)
    user = existing or state.get_or_create_user(username, followers)
    code = AuthCode(
        code=secrets.token_urlsafe(32),
        user_id=user.id,
        client_id=state.config.x_client_id,
        redirect_uri=redirect_uri,
        scopes=frozenset(scopes),
        expires_at=now() + CODE_TTL_S,
        code_challenge=query["code_challenge"],
        code_challenge_method=query.get("code_challenge_method", "plain"),
    )
    state.codes[code.code] = code
    raise web.HTTPFound(with_query(redirect_uri, {"state": query["state"], "code": code.code}))


def _pkce_ok(code: AuthCode, verifier: str) -> bool:
    if code.code_challenge is None:
        return True
    if code.code_challenge_method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        expected = verifier
    return hmac.compare_digest(expected, code.code_challenge)


def _client_error(state: HostState, request: web.Request, params: dict[str, Any]) -> str | None:
    """Authenticate the client: HTTP Basic (confidential) or client_id in the body (public)."""
    cfg = state.config
    basic = basic_credentials(request)
    if basic is not None:
        cid, secret = basic
        if not (
            hmac.compare_digest(cid, cfg.x_client_id)
            and hmac.compare_digest(secret, cfg.x_client_secret)
        ):
            return "Client authentication failed."
        if params.get("client_id") not in (None, cfg.x_client_id):
            return "client_id does not match the authenticated client."
        return None
    if request.headers.get("Authorization"):
        return "Unsupported client authentication."
    cid = str(params.get("client_id", ""))
    if not cid:
        return "Missing valid authorization header."
    if not hmac.compare_digest(cid, cfg.x_client_id):
        return "Client authentication failed: unknown client_id."
    body_secret = params.get("client_secret")
    if body_secret is not None and not hmac.compare_digest(str(body_secret), cfg.x_client_secret):
        return "Client authentication failed."
    return None


def _token_answer(state: HostState, user_id: str, scopes: frozenset[str]) -> web.Response:
    cfg = state.config
    access = state.issue_access_token(user_id, cfg.x_client_id, scopes, cfg.x_token_ttl)
    body: dict[str, Any] = {
        "token_type": "bearer",
        "expires_in": cfg.x_token_ttl,
        "access_token": access.token,
        "scope": " ".join(sorted(scopes)),
    }
    if "offline.access" in scopes:
        body["refresh_token"] = state.issue_refresh_token(user_id, cfg.x_client_id, scopes)
    return json_response(body, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"})


async def token(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    await apply_latency(state)
    failure = injected_failure(state, is_post=False)
    if failure is not None:
        return failure
    try:
        params = await read_params(request)
    except ValueError as exc:
        return oauth_error(400, "invalid_request", str(exc))
    client_problem = _client_error(state, request, params)
    if client_problem:
        return oauth_error(401, "invalid_client", client_problem)
    grant_type = params.get("grant_type")
    if grant_type == "authorization_code":
        code = state.codes.get(str(params.get("code", "")))
        if code is None or code.used or code.expires_at <= now():
            return oauth_error(
                400, "invalid_grant", "Value passed for the authorization code was invalid."
            )
        if params.get("redirect_uri") != code.redirect_uri:
            return oauth_error(400, "invalid_grant", "redirect_uri does not match.")
        verifier = params.get("code_verifier")
        if not verifier:
            return oauth_error(
                400, "invalid_request", "Missing required parameter [code_verifier]."
            )
        if not _pkce_ok(code, str(verifier)):
            return oauth_error(
                400, "invalid_grant", "Value passed for the code_verifier was invalid."
            )
        code.used = True
        return _token_answer(state, code.user_id, code.scopes)
    if grant_type == "refresh_token":
        rt = state.refresh_tokens.get(str(params.get("refresh_token", "")))
        if rt is None or rt.used or rt.revoked:
            return oauth_error(400, "invalid_grant", "Value passed for the token was invalid.")
        rt.used = True
        return _token_answer(state, rt.user_id, rt.scopes)
    return oauth_error(400, "unsupported_grant_type", f"Unsupported grant_type {grant_type!r}.")


async def revoke(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    await apply_latency(state)
    try:
        params = await read_params(request)
    except ValueError as exc:
        return oauth_error(400, "invalid_request", str(exc))
    client_problem = _client_error(state, request, params)
    if client_problem:
        return oauth_error(401, "invalid_client", client_problem)
    value = str(params.get("token", ""))
    access = state.tokens.get(value)
    if access is not None:
        access.revoked = True
    refresh = state.refresh_tokens.get(value)
    if refresh is not None:
        refresh.revoked = True
    return json_response({"revoked": True})


# ---- API -------------------------------------------------------------------------------------


def _user_json(state: HostState, user: User, fields: set[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user.id, "name": user.name, "username": user.username}
    posts = state.posts_by_user.get(user.id, [])
    if "public_metrics" in fields:
        data["public_metrics"] = {
            "followers_count": user.followers,
            "following_count": 0,
            "tweet_count": len(posts),
            "listed_count": 0,
            "like_count": 0,
        }
    if "created_at" in fields:
        data["created_at"] = iso(user.created_at)
    if "description" in fields:
        data["description"] = ""
    if "protected" in fields:
        data["protected"] = False
    if "verified" in fields:
        data["verified"] = False
    if "profile_image_url" in fields:
        data["profile_image_url"] = DEFAULT_AVATAR
    if "url" in fields:
        data["url"] = ""
    if "most_recent_tweet_id" in fields and posts:
        data["most_recent_tweet_id"] = posts[-1].id
    return data


def _fields(request: web.Request, name: str, known: frozenset[str]) -> set[str] | web.Response:
    raw = request.query.get(name, "")
    fields = {f for f in raw.split(",") if f}
    unknown = fields - known
    if unknown:
        bad = sorted(unknown)[0]
        return invalid_request(
            name,
            bad,
            f"The `{name}` query parameter value [{bad}] is not one of the allowed values.",
        )
    return fields


def _tweet_json(post: Post, fields: set[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}
    if "author_id" in fields:
        data["author_id"] = post.user_id
    if "created_at" in fields:
        data["created_at"] = iso(post.created_at)
    if "public_metrics" in fields:
        data["public_metrics"] = {
            "retweet_count": 0,
            "reply_count": 0,
            "like_count": 0,
            "quote_count": 0,
            "bookmark_count": 0,
            "impression_count": 0,
        }
    return data


@dataclass
class ReadCall:
    """A read request that passed the platform's gates: who asked, and the rate-limit headers."""

    state: HostState
    token: AccessToken
    user: User
    headers: dict[str, str]


async def admit_read(request: web.Request, bucket: str) -> ReadCall | web.Response:
    """What every read endpoint does first, in X's order: latency, injected failure, the bearer
    token (401), then the per-user 15-minute window (429 with the rate-limit headers)."""
    state = host_state(request)
    await apply_latency(state)
    failure = injected_failure(state, is_post=False)
    if failure is not None:
        return failure
    auth = authenticate(state, request)
    if auth is None:
        return unauthorized()
    ok, headers = consume_read(state, bucket, auth[1])
    if not ok:
        return problem(429, headers=headers)
    return ReadCall(state, auth[0], auth[1], headers)


async def users_me(request: web.Request) -> web.StreamResponse:
    call = await admit_read(request, "users_me")
    if isinstance(call, web.Response):
        return call
    if "users.read" not in call.token.scopes:
        return problem(403, "Missing required scope: users.read", headers=call.headers)
    fields = _fields(request, "user.fields", USER_FIELDS)
    if isinstance(fields, web.Response):
        return fields
    return json_response({"data": _user_json(call.state, call.user, fields)}, 200, call.headers)


async def create_tweet(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    await apply_latency(state)
    failure = injected_failure(state, is_post=True)
    if failure is not None:
        return failure
    auth = authenticate(state, request)
    if auth is None:
        return unauthorized()
    token_, user = auth
    rl = state.faults.rate_limit
    user_w = state.limiter.window("tweets", user.id, rl.user_limit, rl.user_window_s)
    app_w = (
        state.limiter.window("tweets_app", token_.client_id, rl.app_limit, rl.app_window_s)
        if rl.app_limit > 0
        else None
    )
    if user_w.exhausted or (app_w is not None and app_w.exhausted):
        return problem(429, headers=rate_headers(user_w, app_w))
    user_w.count += 1
    if app_w is not None:
        app_w.count += 1
    headers = rate_headers(user_w, app_w)
    if not {"tweet.write", "tweet.read", "users.read"} <= token_.scopes:
        return problem(
            403, "Missing required scopes: tweet.read tweet.write users.read", headers=headers
        )
    if request.content_type != "application/json":
        resp = invalid_request(
            "body", "", "Requests with bodies must have content-type of application/json."
        )
        resp.headers.update(headers)
        return resp
    try:
        body = await read_params(request)
    except ValueError:
        resp = invalid_request("body", "", "Request body is not valid JSON.")
        resp.headers.update(headers)
        return resp
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        resp = invalid_request("text", "" if text is None else str(text), "text must not be empty.")
        resp.headers.update(headers)
        return resp
    if x_weighted_length(text) > X_MAX_WEIGHTED_LENGTH:
        return problem(403, TOO_LONG, headers=headers)
    t = now()
    key = (user.id, text)
    last = state.recent_texts.get(key)
    if last is not None and t - last < state.faults.duplicate_window_s:
        return problem(403, DUPLICATE, headers=headers)
    post = Post(
        id=state.next_id(),
        user_id=user.id,
        username=user.username,
        text=text,
        created_at=t,
        idempotency_key=None,
    )
    state.add_post(post)
    state.recent_texts[key] = t
    if state.faults.take_failure_after_accept():
        return problem(state.faults.error_status, headers=headers)
    if state.faults.take_hang():
        await asyncio.sleep(state.faults.hang_s)
    data = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}
    return json_response({"data": data}, 201, headers)


async def get_tweet(request: web.Request) -> web.StreamResponse:
    call = await admit_read(request, "tweet_lookup")
    if isinstance(call, web.Response):
        return call
    state, headers = call.state, call.headers
    fields = _fields(request, "tweet.fields", TWEET_FIELDS)
    if isinstance(fields, web.Response):
        return fields
    tweet_id = request.match_info["id"]
    post = state.posts_by_id.get(tweet_id)
    if post is None:
        return json_response({"errors": [_not_found("tweet", "id", tweet_id)]}, 200, headers)
    return json_response({"data": _tweet_json(post, fields)}, 200, headers)


def _not_found(resource: str, parameter: str, value: str) -> dict[str, str]:
    return {
        "value": value,
        "detail": f"Could not find {resource} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource,
        "parameter": parameter,
        "resource_id": value,
        "type": NOT_FOUND,
    }


async def user_tweets(request: web.Request) -> web.StreamResponse:
    call = await admit_read(request, "user_tweets")
    if isinstance(call, web.Response):
        return call
    state, headers = call.state, call.headers
    fields = _fields(request, "tweet.fields", TWEET_FIELDS)
    if isinstance(fields, web.Response):
        return fields
    q = request.query
    try:
        max_results = int(q.get("max_results", "10"))
    except ValueError:
        return invalid_request("max_results", q["max_results"], "max_results must be a number.")
    if not 5 <= max_results <= 100:
        return invalid_request(
            "max_results",
            str(max_results),
            "The `max_results` query parameter value is not between 5 and 100",
        )
    user_id = request.match_info["id"]
    if user_id not in state.users:
        return json_response({"errors": [_not_found("user", "id", user_id)]}, 200, headers)
    posts = state.posts_by_user.get(user_id, [])
    since_id = q.get("since_id")
    until_id = q.get("until_id") or q.get("pagination_token")
    chosen: list[Post] = []
    for post in reversed(posts):
        if until_id and int(post.id) >= int(until_id):
            continue
        if since_id and int(post.id) <= int(since_id):
            break
        chosen.append(post)
        if len(chosen) > max_results:
            break
    more = len(chosen) > max_results
    chosen = chosen[:max_results]
    meta: dict[str, Any] = {"result_count": len(chosen)}
    if chosen:
        meta["newest_id"] = chosen[0].id
        meta["oldest_id"] = chosen[-1].id
        if more:
            meta["next_token"] = chosen[-1].id
    body: dict[str, Any] = {"meta": meta}
    if chosen:
        body = {"data": [_tweet_json(p, fields) for p in chosen], "meta": meta}
    return json_response(body, 200, headers)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/i/oauth2/authorize", authorize_get)
    app.router.add_post("/i/oauth2/authorize", authorize_post)
    app.router.add_post("/2/oauth2/token", token)
    app.router.add_post("/2/oauth2/revoke", revoke)
    app.router.add_get("/2/users/me", users_me)
    app.router.add_post("/2/tweets", create_tweet)
    app.router.add_get("/2/tweets/{id:\\d+}", get_tweet)
    app.router.add_get("/2/users/{id:\\d+}/tweets", user_tweets)
