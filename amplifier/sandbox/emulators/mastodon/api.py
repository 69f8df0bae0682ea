"""A Mastodon instance emulator: apps, OAuth, accounts, statuses, instance metadata.

Facts, and where they come from (docs.joinmastodon.org):

* ``POST /api/v1/apps`` ("apps", /methods/apps/): ``client_name``, ``redirect_uris``, ``scopes``
  (default ``read``), ``website``; answers an Application with ``client_id`` and
  ``client_secret``.
* ``GET /oauth/authorize``, ``POST /oauth/token``, ``POST /oauth/revoke`` ("oauth",
  /methods/oauth/): ``response_type=code``, ``client_id``, ``redirect_uri`` (one of the app's, or
  ``urn:ietf:wg:oauth:2.0:oob`` to show the code), ``scope``, ``state``, optional PKCE
  (``code_challenge_method=S256``); the token answer is a Token entity ``{access_token,
  token_type: "Bearer", scope, created_at}`` (/entities/Token/); tokens do not expire; revoke
  answers 200 ``{}``. Errors follow RFC 6749 ``{"error", "error_description"}``.
* ``GET /api/v1/accounts/verify_credentials`` (/methods/accounts/#verify_credentials) answers a
  CredentialAccount (/entities/Account/: ``id``, ``username``, ``acct``, ``url``,
  ``followers_count``, ... and ``source``).
* ``POST /api/v1/statuses`` (/methods/statuses/#create): ``status``, ``visibility``,
  ``spoiler_text``, ``sensitive``, ``language``; header ``Idempotency-Key`` ("Idempotency keys
  are stored for up to 1 hour"): a repeat returns the status first created. Answer: a Status
  entity (/entities/Status/) with ``content`` as HTML. Too long: 422
  ``{"error": "Validation failed: Text character limit of 500 exceeded"}``.
* ``GET /api/v1/accounts/:id/statuses`` newest first, ``limit`` (20, at most 40), ``max_id``,
  ``since_id``, ``min_id``; ``GET /api/v1/accounts/lookup?acct=``.
* ``GET /api/v2/instance`` (/methods/instance/#v2, /entities/Instance/):
  ``configuration.statuses.max_characters`` (500 by default) and
  ``characters_reserved_per_url`` (23).
* Errors (/api/guidelines/ and the method pages): ``{"error": "..."}``; 401 "The access token is
  invalid"; 403 "This action is outside the authorized scopes"; 404 "Record not found"; 429
  "Too many requests" with ``X-RateLimit-*`` headers (/api/rate-limits/).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
from html import escape
from typing import Any, NoReturn
from urllib.parse import urlsplit

from aiohttp import web

from amplifier.sandbox.kit import authorize_page
from amplifier.sandbox.kit.faults import mastodon_rate_headers
from amplifier.sandbox.kit.state import (
    USERNAME_RE,
    AccessToken,
    AuthCode,
    HostState,
    OAuthApp,
    Post,
    User,
    iso,
    now,
)
from amplifier.sandbox.kit.textlen import mastodon_length
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

OOB = "urn:ietf:wg:oauth:2.0:oob"
CODE_TTL_S = 600
IDEMPOTENCY_TTL_S = 3600
VERSION = "4.3.0"
VISIBILITIES = ("public", "unlisted", "private", "direct")
SCOPE_RE = re.compile(r"^(read|write|follow|push|profile|admin:read|admin:write)(:[a-z_]+)?$")
INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the "
    "redirection URI used in the authorization request, or was issued to another client."
)
INVALID_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication included, "
    "or unsupported authentication method."
)
_URL_RE = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'}]")


def error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return json_response({"error": message}, status, headers)


def oauth_error(status: int, err: str, description: str) -> web.Response:
    return json_response({"error": err, "error_description": description}, status)


def has_scope(granted: frozenset[str], needed: str) -> bool:
    """``write`` grants ``write:statuses``; ``read`` grants ``read:accounts``."""
    return needed in granted or needed.split(":")[0] in granted


def injected_failure(state: HostState, is_post: bool) -> web.Response | None:
    f = state.faults
    if (is_post or f.scope == "all") and f.take_failure():
        return error(f.error_status, "Sandbox: injected failure")
    return None


# ---- JSON entities ---------------------------------------------------------------------------


def account_json(state: HostState, user: User) -> dict[str, Any]:
    base = state.config.base_url
    posts = state.posts_by_user.get(user.id, [])
    created_day = iso(user.created_at)[:10]
    return {
        "id": user.id,
        "username": user.username,
        "acct": user.username,
        "display_name": user.name,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": f"{created_day}T00:00:00.000Z",
        "note": "",
        "url": f"{base}/@{user.username}",
        "uri": f"{base}/users/{user.username}",
        "avatar": f"{base}/avatars/original/missing.png",
        "avatar_static": f"{base}/avatars/original/missing.png",
        "header": f"{base}/headers/original/missing.png",
        "header_static": f"{base}/headers/original/missing.png",
        "followers_count": user.followers,
        "following_count": 0,
        "statuses_count": len(posts),
        "last_status_at": iso(posts[-1].created_at)[:10] if posts else None,
        "emojis": [],
        "fields": [],
    }


def html_content(text: str) -> str:
    """Plain text as Mastodon renders it: paragraphs, line breaks, links."""
    paragraphs = []
    for para in re.split(r"\n{2,}", text.strip("\n")):
        parts = []
        pos = 0
        for m in _URL_RE.finditer(para):
            parts.append(escape(para[pos : m.start()]))
            url = m.group(0)
            parts.append(
                f'<a href="{escape(url)}" target="_blank" rel="nofollow noopener noreferrer" '
                f'translate="no">{escape(url)}</a>'
            )
            pos = m.end()
        parts.append(escape(para[pos:]))
        paragraphs.append("<p>" + "".join(parts).replace("\n", "<br />") + "</p>")
    return "".join(paragraphs)


def status_json(state: HostState, post: Post) -> dict[str, Any]:
    base = state.config.base_url
    user = state.users[post.user_id]
    return {
        "id": post.id,
        "created_at": iso(post.created_at),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": post.visibility,
        "language": "en",
        "uri": f"{base}/users/{user.username}/statuses/{post.id}",
        "url": f"{base}/@{user.username}/{post.id}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "edited_at": None,
        "favourited": False,
        "reblogged": False,
        "muted": False,
        "bookmarked": False,
        "pinned": False,
        "content": html_content(post.text),
        "filtered": [],
        "reblog": None,
        "application": {"name": post.app_name, "website": None} if post.app_name else None,
        "account": account_json(state, user),
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def app_json(app: OAuthApp, with_secret: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": app.id,
        "name": app.name,
        "website": app.website,
        "scopes": sorted(app.scopes),
        "redirect_uri": "\n".join(app.redirect_uris),
        "redirect_uris": app.redirect_uris,
        "vapid_key": "",
    }
    if with_secret:
        body["client_id"] = app.client_id
        body["client_secret"] = app.client_secret
        body["client_secret_expires_at"] = 0
    return body


# ---- auth and limits -------------------------------------------------------------------------


def authenticate(state: HostState, request: web.Request) -> tuple[AccessToken, User] | web.Response:
    value = bearer_token(request)
    token = state.tokens.get(value) if value else None
    if token is None:
        return error(401, "The access token is invalid")
    if token.revoked:
        return error(401, "The access token was revoked")
    if token.expires_at is not None and token.expires_at <= now():
        return error(401, "The access token expired")
    user = state.users.get(token.user_id) if token.user_id else None
    if user is None:
        return error(422, "This method requires an authenticated user")
    return token, user


def consume(state: HostState, user: User) -> tuple[bool, dict[str, str]]:
    """The per-account bucket every authenticated /api/* call counts against."""
    rl = state.faults.rate_limit
    w = state.limiter.window("api", user.id, rl.user_limit, rl.user_window_s)
    ok = not w.exhausted
    if ok:
        w.count += 1
    return ok, mastodon_rate_headers(state.faults, w, iso)


# ---- apps and OAuth --------------------------------------------------------------------------


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value or "").replace("\n", " ").split() if v.strip()]


async def create_app(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    await apply_latency(state)
    try:
        params = await read_params(request)
    except ValueError as exc:
        return error(400, str(exc))
    name = str(params.get("client_name", "")).strip()
    if not name:
        return error(422, "Validation failed: Application name can't be blank")
    redirect_uris = _as_list(params.get("redirect_uris"))
    if not redirect_uris:
        return error(422, "Validation failed: Redirect URI can't be blank")
    for uri in redirect_uris:
        if uri != OOB and not urlsplit(uri).scheme:
            return error(422, "Validation failed: Redirect URI must be an absolute URI.")
    scopes = frozenset(_as_list(params.get("scopes")) or ["read"])
    if not all(SCOPE_RE.match(s) for s in scopes):
        return error(422, "Validation failed: Scopes are invalid")
    website = params.get("website") or None
    app = OAuthApp(
        id=state.next_id(),
        name=name,
        website=str(website) if website else None,
        client_id=secrets.token_urlsafe(32),
        client_secret=secrets.token_urlsafe(32),
        redirect_uris=redirect_uris,
        scopes=scopes,
    )
    state.apps[app.client_id] = app
    return json_response(app_json(app))


async def verify_app(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/apps/verify_credentials``: the token's app, without its secret."""
    state = host_state(request)
    await apply_latency(state)
    value = bearer_token(request)
    token_ = state.tokens.get(value) if value else None
    if token_ is None or token_.revoked:
        return error(401, "The access token is invalid")
    app = state.apps.get(token_.client_id)
    if app is None:
        return error(401, "The access token is invalid")
    return json_response(app_json(app, with_secret=False))


def _redirect_error(redirect_uri: str, st: str | None, err: str, description: str) -> NoReturn:
    params = {"error": err, "error_description": description}
    if st:
        params["state"] = st
    raise web.HTTPFound(with_query(redirect_uri, params))


def _check_authorize_query(
    state: HostState, query: Any
) -> tuple[web.Response, None, list[str]] | tuple[None, OAuthApp, list[str]]:
    app = state.apps.get(query.get("client_id", ""))
    if app is None:
        return authorize_page.error_page("An error has occurred", INVALID_CLIENT), None, []
    redirect_uri = query.get("redirect_uri", "")
    if redirect_uri not in app.redirect_uris:
        return (
            authorize_page.error_page(
                "An error has occurred",
                "The redirect uri included is not valid.",
            ),
            None,
            [],
        )
    if redirect_uri != OOB and not is_http_url(redirect_uri):
        return authorize_page.error_page("An error has occurred", "Bad redirect uri."), None, []
    st = query.get("state")
    if query.get("response_type") != "code":
        _redirect_error(
            redirect_uri,
            st,
            "unsupported_response_type",
            "The authorization server does not support this response type.",
        )
    scopes = query.get("scope", "read").split() or ["read"]
    if not all(SCOPE_RE.match(s) and has_scope(app.scopes, s) for s in scopes):
        _redirect_error(
            redirect_uri,
            st,
            "invalid_scope",
            "The requested scope is invalid, unknown, or malformed.",
        )
    method = query.get("code_challenge_method")
    if query.get("code_challenge") and method not in (None, "S256"):
        _redirect_error(
            redirect_uri, st, "invalid_request", "Only S256 code_challenge_method is supported."
        )
    return None, app, scopes


async def authorize_get(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    page, app, scopes = _check_authorize_query(state, request.query)
    if page is not None or app is None:
        assert page is not None
        return page
    return authorize_page.consent_page(
        platform_label=f"Mastodon at {urlsplit(state.config.base_url).netloc}",
        app_name=app.name,
        scopes=scopes,
        usernames=[u.username for u in state.users.values()],
        action=request.path_qs,
    )


async def authorize_post(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    query = request.query
    page, app, scopes = _check_authorize_query(state, query)
    if page is not None or app is None:
        assert page is not None
        return page
    form = await request.post()
    redirect_uri = query["redirect_uri"]
    st = query.get("state")
    if form.get("decision") != "approve":
        if redirect_uri == OOB:
            return authorize_page.error_page("Access denied", "The user denied the request.", 403)
        _redirect_error(
            redirect_uri,
            st,
            "access_denied",
            "The resource owner or authorization server denied the request.",
        )
    username = str(form.get("username", "")).strip().lstrip("@")
    followers_raw = str(form.get("followers", "")).strip()
    problem: str | None = None
    followers: int | None = None
    if not USERNAME_RE.match(username):
        problem = "A username is 1 to 30 letters, digits or underscores."
    elif followers_raw:
        try:
            followers = int(followers_raw)
            if followers < 0:
                raise ValueError
        except ValueError:
            problem = "Followers must be a whole number."
    if problem:
        return authorize_page.consent_page(
            platform_label="Mastodon",
            app_name=app.name,
            scopes=scopes,
            usernames=[u.username for u in state.users.values()],
            action=request.path_qs,
            error=problem,
            status=400,
        )
    user = state.find_user(username) or state.get_or_create_user(username, followers)
    code = AuthCode(
        code=secrets.token_urlsafe(32),
        user_id=user.id,
        client_id=app.client_id,
        redirect_uri=redirect_uri,
        scopes=frozenset(scopes),
        expires_at=now() + CODE_TTL_S,
        code_challenge=query.get("code_challenge") or None,
        code_challenge_method="S256" if query.get("code_challenge") else None,
    )
    state.codes[code.code] = code
    if redirect_uri == OOB:
        return authorize_page.code_page(code.code)
    params = {"code": code.code}
    if st:
        params["state"] = st
    raise web.HTTPFound(with_query(redirect_uri, params))


def _client(state: HostState, request: web.Request, params: dict[str, Any]) -> OAuthApp | None:
    basic = basic_credentials(request)
    if basic is not None:
        cid, secret = basic
    else:
        cid, secret = str(params.get("client_id", "")), str(params.get("client_secret", ""))
    app = state.apps.get(cid)
    if app is None or not hmac.compare_digest(secret, app.client_secret):
        return None
    return app


def _token_json(token: AccessToken) -> dict[str, Any]:
    return {
        "access_token": token.token,
        "token_type": "Bearer",
        "scope": " ".join(sorted(token.scopes)),
        "created_at": int(token.created_at),
    }


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
    app = _client(state, request, params)
    if app is None:
        return oauth_error(401, "invalid_client", INVALID_CLIENT)
    grant_type = params.get("grant_type")
    if grant_type == "authorization_code":
        code = state.codes.get(str(params.get("code", "")))
        if (
            code is None
            or code.used
            or code.expires_at <= now()
            or code.client_id != app.client_id
            or params.get("redirect_uri") != code.redirect_uri
        ):
            return oauth_error(400, "invalid_grant", INVALID_GRANT)
        if code.code_challenge is not None:
            verifier = str(params.get("code_verifier", ""))
            digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
            expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if not verifier or not hmac.compare_digest(expected, code.code_challenge):
                return oauth_error(400, "invalid_grant", INVALID_GRANT)
        code.used = True
        access = state.issue_access_token(code.user_id, app.client_id, code.scopes, None)
        return json_response(_token_json(access))
    if grant_type == "client_credentials":
        scopes = frozenset(str(params.get("scope", "read")).split() or ["read"])
        if not all(has_scope(app.scopes, s) for s in scopes):
            return oauth_error(
                400, "invalid_scope", "The requested scope is invalid, unknown, or malformed."
            )
        access = state.issue_access_token(None, app.client_id, scopes, None)
        return json_response(_token_json(access))
    return oauth_error(
        400,
        "unsupported_grant_type",
        "The authorization grant type is not supported by the authorization server.",
    )


async def revoke(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    await apply_latency(state)
    try:
        params = await read_params(request)
    except ValueError as exc:
        return oauth_error(400, "invalid_request", str(exc))
    app = _client(state, request, params)
    if app is None:
        return oauth_error(
            403, "unauthorized_client", "You are not authorized to revoke this token"
        )
    access = state.tokens.get(str(params.get("token", "")))
    if access is not None and access.client_id == app.client_id:
        access.revoked = True
    return json_response({})


# ---- API -------------------------------------------------------------------------------------


async def verify_credentials(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    await apply_latency(state)
    failure = injected_failure(state, is_post=False)
    if failure is not None:
        return failure
    auth = authenticate(state, request)
    if isinstance(auth, web.Response):
        return auth
    token_, user = auth
    ok, headers = consume(state, user)
    if not ok:
        return error(429, "Too many requests", headers)
    if not (has_scope(token_.scopes, "read:accounts") or "profile" in token_.scopes):
        return error(403, "This action is outside the authorized scopes", headers)
    body = account_json(state, user)
    body["source"] = {
        "privacy": "public",
        "sensitive": False,
        "language": "",
        "note": "",
        "fields": [],
        "follow_requests_count": 0,
    }
    return json_response(body, 200, headers)


async def create_status(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    await apply_latency(state)
    failure = injected_failure(state, is_post=True)
    if failure is not None:
        return failure
    auth = authenticate(state, request)
    if isinstance(auth, web.Response):
        return auth
    token_, user = auth
    ok, headers = consume(state, user)
    if not ok:
        return error(429, "Too many requests", headers)
    if not has_scope(token_.scopes, "write:statuses"):
        return error(403, "This action is outside the authorized scopes", headers)
    key = request.headers.get("Idempotency-Key") or None
    t = now()
    if key is not None:
        seen = state.idempotency.get((user.id, key))
        if seen is not None and t - seen[1] < IDEMPOTENCY_TTL_S:
            original = state.posts_by_id.get(seen[0])
            if original is not None:
                return json_response(status_json(state, original), 200, headers)
    try:
        params = await read_params(request)
    except ValueError as exc:
        return error(400, str(exc), headers)
    text = params.get("status")
    text = "" if text is None else str(text)
    spoiler = str(params.get("spoiler_text") or "")
    if not text.strip():
        return error(422, "Validation failed: Text can't be blank", headers)
    limit, per_url = state.faults.max_characters, state.faults.characters_reserved_per_url
    if mastodon_length(text, url_length=per_url, spoiler=spoiler) > limit:
        return error(422, f"Validation failed: Text character limit of {limit} exceeded", headers)
    visibility = str(params.get("visibility") or "public")
    if visibility not in VISIBILITIES:
        return error(422, "Validation failed: Visibility is not included in the list", headers)
    app = state.apps.get(token_.client_id)
    post = Post(
        id=state.next_id(),
        user_id=user.id,
        username=user.username,
        text=text,
        created_at=t,
        idempotency_key=key,
        visibility=visibility,
        app_name=app.name if app else None,
    )
    state.add_post(post)
    if key is not None:
        state.idempotency[(user.id, key)] = (post.id, t)
    if state.faults.take_failure_after_accept():
        return error(state.faults.error_status, "Sandbox: injected failure after storing", headers)
    if state.faults.take_hang():
        await asyncio.sleep(state.faults.hang_s)
    return json_response(status_json(state, post), 200, headers)


async def get_status(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    await apply_latency(state)
    failure = injected_failure(state, is_post=False)
    if failure is not None:
        return failure
    post = state.posts_by_id.get(request.match_info["id"])
    if post is None or post.visibility in ("private", "direct"):
        return error(404, "Record not found")
    return json_response(status_json(state, post))


async def lookup_account(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    await apply_latency(state)
    acct = request.query.get("acct", "").lstrip("@")
    local, _, domain = acct.partition("@")
    if domain and domain != urlsplit(state.config.base_url).netloc:
        return error(404, "Record not found")
    user = state.find_user(local)
    if user is None:
        return error(404, "Record not found")
    return json_response(account_json(state, user))


async def account_statuses(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    await apply_latency(state)
    failure = injected_failure(state, is_post=False)
    if failure is not None:
        return failure
    user = state.users.get(request.match_info["id"])
    if user is None:
        return error(404, "Record not found")
    q = request.query
    try:
        limit = min(max(int(q.get("limit", "20")), 1), 40)
        max_id = int(q["max_id"]) if q.get("max_id") else None
        since_id = int(q["since_id"]) if q.get("since_id") else None
        min_id = int(q["min_id"]) if q.get("min_id") else None
    except ValueError:
        return error(400, "Invalid pagination parameter")
    posts = [
        p
        for p in state.posts_by_user.get(user.id, [])
        if p.visibility in ("public", "unlisted")
        and (max_id is None or int(p.id) < max_id)
        and (since_id is None or int(p.id) > since_id)
        and (min_id is None or int(p.id) > min_id)
    ]
    # min_id pages forward from the oldest; the others page backward from the newest
    chosen = posts[:limit] if min_id is not None else posts[-limit:]
    chosen.reverse()
    return json_response([status_json(state, p) for p in chosen])


def _instance_configuration(state: HostState) -> dict[str, Any]:
    return {
        "urls": {"streaming": state.config.base_url.replace("http", "ws", 1)},
        "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
        "statuses": {
            "max_characters": state.faults.max_characters,
            "max_media_attachments": 4,
            "characters_reserved_per_url": state.faults.characters_reserved_per_url,
        },
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
            "image_size_limit": 16777216,
            "image_matrix_limit": 33177600,
            "video_size_limit": 103809024,
            "video_frame_rate_limit": 120,
            "video_matrix_limit": 8294400,
        },
        "polls": {
            "max_options": 4,
            "max_characters_per_option": 50,
            "min_expiration": 300,
            "max_expiration": 2629746,
        },
        "translation": {"enabled": False},
    }


async def instance_v2(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    await apply_latency(state)
    domain = state.faults.instance_domain or urlsplit(state.config.base_url).netloc
    return json_response(
        {
            "domain": domain,
            "title": f"Sandbox Mastodon ({domain})",
            "version": VERSION,
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "A local emulator of a Mastodon instance (amplifier sandbox).",
            "usage": {"users": {"active_month": len(state.users)}},
            "thumbnail": {"url": f"{state.config.base_url}/packs/media/images/preview.png"},
            "languages": ["en"],
            "configuration": _instance_configuration(state),
            "registrations": {"enabled": True, "approval_required": False, "message": None},
            "api_versions": {"mastodon": 2},
            "contact": {"email": "", "account": None},
            "rules": [],
        }
    )


async def instance_v1(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    await apply_latency(state)
    domain = state.faults.instance_domain or urlsplit(state.config.base_url).netloc
    return json_response(
        {
            "uri": domain,
            "title": f"Sandbox Mastodon ({domain})",
            "short_description": "A local emulator of a Mastodon instance.",
            "description": "",
            "email": "",
            "version": VERSION,
            "urls": {"streaming_api": state.config.base_url.replace("http", "ws", 1)},
            "stats": {
                "user_count": len(state.users),
                "status_count": len(state.posts),
                "domain_count": 0,
            },
            "thumbnail": None,
            "languages": ["en"],
            "registrations": True,
            "approval_required": False,
            "invites_enabled": False,
            "configuration": _instance_configuration(state),
            "contact_account": None,
            "rules": [],
        }
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/apps", create_app)
    app.router.add_get("/api/v1/apps/verify_credentials", verify_app)
    app.router.add_get("/oauth/authorize", authorize_get)
    app.router.add_post("/oauth/authorize", authorize_post)
    app.router.add_post("/oauth/token", token)
    app.router.add_post("/oauth/revoke", revoke)
    app.router.add_get("/api/v1/accounts/verify_credentials", verify_credentials)
    app.router.add_get("/api/v1/accounts/lookup", lookup_account)
    app.router.add_get("/api/v1/accounts/{id:\\d+}/statuses", account_statuses)
    app.router.add_post("/api/v1/statuses", create_status)
    app.router.add_get("/api/v1/statuses/{id:\\d+}", get_status)
    app.router.add_get("/api/v2/instance", instance_v2)
    app.router.add_get("/api/v1/instance", instance_v1)
