"""The Mastodon API endpoints of accounts and statuses (docs.joinmastodon.org).

* ``GET /api/v1/accounts/verify_credentials`` (/methods/accounts/#verify_credentials) answers a
  CredentialAccount (the Account entity with ``source``).
* ``POST /api/v1/statuses`` (/methods/statuses/#create): ``status``, ``visibility``,
  ``spoiler_text``, ``sensitive``, ``language``, ``media_ids[]`` (media.py); header
  ``Idempotency-Key`` ("Idempotency keys are stored for up to 1 hour"): a repeat returns the
  status first created. Answer: a Status entity. Too long: 422
  ``{"error": "Validation failed: Text character limit of 500 exceeded"}``.
* ``GET /api/v1/accounts/:id/statuses`` newest first, ``limit`` (20, at most 40), ``max_id``,
  ``since_id``, ``min_id``; ``GET /api/v1/accounts/lookup?acct=``; ``GET /api/v1/statuses/:id``.
* ``DELETE /api/v1/statuses/:id`` (/methods/statuses/#delete): the author's own status, scope
  ``write:statuses``; answers the deleted Status (with ``text``, its source, for redrafting);
  another account's or a missing status: 404 "Record not found".
* Errors (/api/guidelines/ and the method pages): ``{"error": "..."}``; 404 "Record not found";
  every authenticated ``/api/*`` call counts against 300 requests / 5 min per account
  ("Rate limits", /api/rate-limits/), reported in ``X-RateLimit-Limit``, ``-Remaining`` and
  ``-Reset`` (an ISO 8601 timestamp); beyond it, 429 ``{"error": "Too many requests"}``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from amplifier.sandbox.emulators.mastodon.entities import account_json, error, status_json
from amplifier.sandbox.emulators.mastodon.media import media_of_status
from amplifier.sandbox.emulators.mastodon.textlen import mastodon_length
from amplifier.sandbox.kit.dialect import RateHeaders, RateWindow
from amplifier.sandbox.kit.preamble import Call, after_accept, endpoint
from amplifier.sandbox.kit.state import now
from amplifier.sandbox.kit.web_util import read_params

IDEMPOTENCY_TTL_S = 3600
VISIBILITIES = ("public", "unlisted", "private", "direct")
RATE_HEADERS = RateHeaders("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "iso")
API_WINDOW = (RateWindow("api", "user", RATE_HEADERS),)


@endpoint(bearer=True, windows=API_WINDOW, any_scope=("read:accounts", "profile"))
async def verify_credentials(call: Call) -> web.StreamResponse:
    body = account_json(call.state, call.user)
    body["source"] = {
        "privacy": "public",
        "sensitive": False,
        "language": "",
        "note": "",
        "fields": [],
        "follow_requests_count": 0,
    }
    return call.answer(body)


@endpoint(bearer=True, windows=API_WINDOW, scopes=("write:statuses",))
async def create_status(call: Call) -> web.StreamResponse:
    state, request, token_, user = call.state, call.request, call.token, call.user
    key = request.headers.get("Idempotency-Key") or None
    t = now()
    if key is not None:
        seen = state.idempotency.get((user.id, key))
        if seen is not None and t - seen[1] < IDEMPOTENCY_TTL_S:
            original = state.posts_by_id.get(seen[0])
            if original is not None:
                return call.answer(status_json(state, original))
    try:
        params = await read_params(request)
    except ValueError as exc:
        return error(400, str(exc))
    text = params.get("status")
    text = "" if text is None else str(text)
    spoiler = str(params.get("spoiler_text") or "")
    if not text.strip():
        return error(422, "Validation failed: Text can't be blank")
    limit, per_url = state.faults.max_characters, state.faults.characters_reserved_per_url
    if mastodon_length(text, url_length=per_url, spoiler=spoiler) > limit:
        return error(422, f"Validation failed: Text character limit of {limit} exceeded")
    visibility = str(params.get("visibility") or "public")
    if visibility not in VISIBILITIES:
        return error(422, "Validation failed: Visibility is not included in the list")
    media = await media_of_status(state, user, request, params)
    if isinstance(media, web.Response):
        return media
    app = state.apps.get(token_.client_id)
    post = state.store_post(
        user,
        text,
        idempotency_key=key,
        visibility=visibility,
        app_name=app.name if app else None,
        media=media,
    )
    if key is not None:
        state.idempotency[(user.id, key)] = (post.id, post.created_at)
    spoiled = await after_accept(call)
    if spoiled is not None:
        return spoiled
    return call.answer(status_json(state, post))


@endpoint(bearer=True, windows=API_WINDOW, scopes=("write:statuses",))
async def delete_status(call: Call) -> web.StreamResponse:
    post = call.state.posts_by_id.get(call.request.match_info["id"])
    if post is None or post.user_id != call.user.id:
        return error(404, "Record not found")
    body = status_json(call.state, post)
    body["text"] = post.text  # the source, so a client can redraft it
    call.state.delete_post(post)
    return call.answer(body)


@endpoint()
async def get_status(call: Call) -> web.StreamResponse:
    post = call.state.posts_by_id.get(call.request.match_info["id"])
    if post is None or post.visibility in ("private", "direct"):
        return error(404, "Record not found")
    return call.answer(status_json(call.state, post))


@endpoint(faults=False)
async def lookup_account(call: Call) -> web.StreamResponse:
    state = call.state
    acct = call.request.query.get("acct", "").lstrip("@")
    local, _, domain = acct.partition("@")
    if domain and domain != urlsplit(state.config.base_url).netloc:
        return error(404, "Record not found")
    user = state.find_user(local)
    if user is None:
        return error(404, "Record not found")
    return call.answer(account_json(state, user))


@endpoint()
async def account_statuses(call: Call) -> web.StreamResponse:
    state, request = call.state, call.request
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
    return call.answer([status_json(state, p) for p in chosen])


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/accounts/verify_credentials", verify_credentials)
    app.router.add_get("/api/v1/accounts/lookup", lookup_account)
    app.router.add_get("/api/v1/accounts/{id:\\d+}/statuses", account_statuses)
    app.router.add_post("/api/v1/statuses", create_status)
    app.router.add_get("/api/v1/statuses/{id:\\d+}", get_status)
    app.router.add_delete("/api/v1/statuses/{id:\\d+}", delete_status)
