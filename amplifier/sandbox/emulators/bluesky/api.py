"""The PDS's XRPC methods amplifier uses (https://atproto.com/specs/xrpc, the lexicons).

- ``POST /xrpc/com.atproto.repo.createRecord`` ``{repo, collection, rkey?, validate?,
  record}`` → ``{uri, cid, commit {cid, rev}, validationStatus}``; the record is checked against
  its lexicon (``lexicon.py``); a key already used answers 400 ``InvalidRequest``.
- ``GET /xrpc/com.atproto.repo.getRecord?repo&collection&rkey`` → ``{uri, cid, value}``, or 400
  ``{"error": "RecordNotFound"}``; ``GET …listRecords?repo&collection&limit&cursor`` →
  ``{records, cursor?}``, newest key first.
- ``GET /xrpc/app.bsky.actor.getProfile?actor`` → ``profileViewDetailed``.
- ``POST /xrpc/com.atproto.repo.uploadBlob`` (raw bytes) → ``{blob}`` (blobs.py); a record's
  blobs must be the repo's kept uploads. ``/_sandbox/posts`` shows each post's ``embed`` as
  stored and its images (``media``, with their alt text).

Authorization is ``Authorization: DPoP <token>`` with a proof carrying ``ath`` and the PDS's
nonce (a missing nonce: 401 ``use_dpop_nonce`` with ``WWW-Authenticate: DPoP
error="use_dpop_nonce"`` and ``DPoP-Nonce``). Bad tokens: 401 ``InvalidToken`` or
``ExpiredToken``. Writes count against the account's window (docs.bsky.app "Rate Limits":
5,000 points an hour, a create costs 3, so 1,666 creates), reported in ``ratelimit-limit``,
``ratelimit-remaining``, ``ratelimit-reset`` (epoch seconds) and ``ratelimit-policy``; beyond
it, 429 ``{"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from aiohttp import web

from amplifier.sandbox.emulators.bluesky import blobs
from amplifier.sandbox.emulators.bluesky.dpop import NonceNeeded, ProofError
from amplifier.sandbox.emulators.bluesky.identity import (
    did_of,
    handle_of,
    user_by_actor,
    xrpc_error,
)
from amplifier.sandbox.emulators.bluesky.lexicon import POST, TID, blob_refs, record_problem
from amplifier.sandbox.kit.dialect import RateHeaders, RateWindow
from amplifier.sandbox.kit.preamble import Call, after_accept, count, injected_failure
from amplifier.sandbox.kit.state import HostState, Post, iso, now
from amplifier.sandbox.kit.web_util import apply_latency, host_state, read_params

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.bluesky.dialect import BlueskyDialect

CREATE = "/xrpc/com.atproto.repo.createRecord"
RATE_HEADERS = RateHeaders("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset")
WRITES = (RateWindow("writes", "user", RATE_HEADERS),)
Handler = Callable[[Call], Awaitable[web.StreamResponse]]


def _dialect(call_or_request: web.Request) -> BlueskyDialect:
    return host_state(call_or_request).dialect  # type: ignore[return-value]


def xrpc(
    *, auth: bool = True, windows: Sequence[RateWindow] = ()
) -> Callable[[Handler], Callable[[web.Request], Awaitable[web.StreamResponse]]]:
    """The preamble of a PDS method: latency, injected failure, DPoP token, rate windows."""

    def wrap(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        @functools.wraps(handler)
        async def preamble(request: web.Request) -> web.StreamResponse:
            state = host_state(request)
            dialect = _dialect(request)
            await apply_latency(state)
            failure = injected_failure(state, request)
            if failure is not None:
                return failure
            call = Call(request, state)
            if auth:
                refused = dialect.authenticate(state, request)
                if isinstance(refused, web.Response):
                    return refused
                call.auth = refused
                ok, call.headers = count(state, windows, call.user, call.token)
                if windows:
                    policy = f"{call.headers['ratelimit-limit']};w={int(_window_s(state))}"
                    call.headers["ratelimit-policy"] = policy
                if not ok:
                    return dialect.rate_limited(call.headers)
            call.headers["DPoP-Nonce"] = dialect.oauth.proofs.nonce()
            answer = await handler(call)
            for name, value in call.headers.items():
                answer.headers.setdefault(name, value)
            return answer

        return preamble

    return wrap


def _window_s(state: HostState) -> float:
    return float(state.faults.rate_limit.user_window_s)


def _record_json(post: Post, value: dict[str, object]) -> dict[str, object]:
    return {"uri": post.id, "cid": _cid(value), "value": value}


def _cid(value: object) -> str:
    digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
    return "bafyrei" + digest[:52]


@xrpc(windows=WRITES)
async def create_record(call: Call) -> web.StreamResponse:
    state, dialect = call.state, _dialect(call.request)
    try:
        body = await read_params(call.request)
    except ValueError as exc:
        return xrpc_error(400, "InvalidRequest", str(exc))
    did = did_of(state, call.user)
    repo = body.get("repo")
    if repo not in (did, handle_of(state, call.user)):
        return xrpc_error(403, "InvalidToken", "Invalid repo: you may only write to your own repo")
    if body.get("collection") != POST:
        return xrpc_error(400, "InvalidRequest", f"this sandbox stores {POST} records only")
    rkey = body.get("rkey") or dialect.next_tid()
    if not isinstance(rkey, str) or not TID.match(rkey):
        return xrpc_error(400, "InvalidRequest", f"Invalid record key for {POST}: must be a tid")
    record = body.get("record")
    problem = record_problem(record)
    if problem is not None:
        return xrpc_error(400, "InvalidRequest", f"Invalid {POST} record: {problem}")
    assert isinstance(record, dict)
    uri = f"at://{did}/{POST}/{rkey}"
    if uri in state.posts_by_id:
        return xrpc_error(400, "InvalidRequest", f"Record already exists: {uri}")
    embed = record.get("embed")
    media = blobs.uploads_named(state, dialect, call.user, blob_refs(embed))
    if isinstance(media, str):
        return xrpc_error(400, "InvalidRequest", media)
    post = Post(
        id=uri,
        user_id=call.user.id,
        username=call.user.username,
        text=str(record.get("text", "")),
        created_at=now(),
        idempotency_key=rkey,
        app_name=call.token.client_id,
        media=blobs.attach(uri, media, embed) if isinstance(embed, dict) else [],
        embed=embed if isinstance(embed, dict) else None,
    )
    state.add_post(post)
    dialect.records[uri] = record
    spoiled = await after_accept(call)
    if spoiled is not None:
        return spoiled
    cid = _cid(record)
    rev = dialect.next_tid()
    return call.answer(
        {
            "uri": uri,
            "cid": cid,
            "commit": {"cid": _cid(rev), "rev": rev},
            "validationStatus": "valid",
        }
    )


def _lookup(call: Call) -> tuple[str, str] | web.Response:
    q = call.request.query
    user = user_by_actor(call.state, q.get("repo", ""))
    if user is None:
        return xrpc_error(400, "InvalidRequest", f"Could not find repo: {q.get('repo', '')}")
    if q.get("collection") != POST:
        return xrpc_error(400, "InvalidRequest", 'Params must have the property "collection"')
    return did_of(call.state, user), user.id


@xrpc()
async def get_record(call: Call) -> web.StreamResponse:
    found = _lookup(call)
    if isinstance(found, web.Response):
        return found
    uri = f"at://{found[0]}/{POST}/{call.request.query.get('rkey', '')}"
    post = call.state.posts_by_id.get(uri)
    record = _dialect(call.request).records.get(uri)
    if post is None or record is None:
        return xrpc_error(400, "RecordNotFound", f"Could not locate record: {uri}")
    return call.answer(_record_json(post, record))


@xrpc()
async def list_records(call: Call) -> web.StreamResponse:
    found = _lookup(call)
    if isinstance(found, web.Response):
        return found
    q, records = call.request.query, _dialect(call.request).records
    try:
        limit = min(max(int(q.get("limit", "50")), 1), 100)
    except ValueError:
        return xrpc_error(400, "InvalidRequest", "limit must be an integer")
    cursor = q.get("cursor")
    posts = sorted(call.state.posts_by_user.get(found[1], []), key=lambda p: p.id, reverse=True)
    if cursor:
        posts = [p for p in posts if p.id.rsplit("/", 1)[1] < cursor]
    page = posts[:limit]
    body: dict[str, object] = {"records": [_record_json(p, records[p.id]) for p in page]}
    if len(posts) > limit:
        body["cursor"] = page[-1].id.rsplit("/", 1)[1]
    return call.answer(body)


@xrpc()
async def get_profile(call: Call) -> web.StreamResponse:
    state = call.state
    user = user_by_actor(state, call.request.query.get("actor", ""))
    if user is None:
        return xrpc_error(400, "InvalidRequest", "Profile not found")
    return call.answer(
        {
            "did": did_of(state, user),
            "handle": handle_of(state, user),
            "displayName": user.name,
            "followersCount": user.followers,
            "followsCount": 0,
            "postsCount": len(state.posts_by_user.get(user.id, [])),
            "indexedAt": iso(user.created_at),
            "createdAt": iso(user.created_at),
        }
    )


@xrpc()
async def upload_blob(call: Call) -> web.StreamResponse:
    declared = call.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    limit = call.state.faults.media_max_bytes
    if (call.request.content_length or 0) > limit:
        return xrpc_error(413, "PayloadTooLarge", "request entity too large")
    data = await call.request.content.read(limit + 1)
    blob = blobs.upload(call.state, _dialect(call.request), call.user, data, declared)
    if isinstance(blob, web.Response):
        return blob
    return call.answer({"blob": blob})


def unauthenticated(reason: str, headers: dict[str, str]) -> web.Response:
    error, message = {
        "expired": ("ExpiredToken", "Token has expired"),
        "revoked": ("InvalidToken", "Token has been revoked"),
    }.get(reason, ("InvalidToken", "Token could not be verified"))
    www = f'DPoP error="invalid_token", error_description="{message}"'
    return xrpc_error(401, error, message, {"WWW-Authenticate": www, **headers})


def proof_refused(exc: ProofError, headers: dict[str, str]) -> web.Response:
    if isinstance(exc, NonceNeeded):
        text = "Resource server requires nonce in DPoP proof"
        www = f'DPoP error="use_dpop_nonce", error_description="{text}"'
        return xrpc_error(401, "use_dpop_nonce", text, {"WWW-Authenticate": www, **headers})
    www = f'DPoP error="invalid_dpop_proof", error_description="{exc}"'
    return xrpc_error(401, "invalid_dpop_proof", str(exc), {"WWW-Authenticate": www, **headers})


def add_routes(app: web.Application) -> None:
    app.router.add_post(CREATE, create_record)
    app.router.add_get("/xrpc/com.atproto.repo.getRecord", get_record)
    app.router.add_get("/xrpc/com.atproto.repo.listRecords", list_records)
    app.router.add_get("/xrpc/app.bsky.actor.getProfile", get_profile)
    app.router.add_post(blobs.UPLOAD, upload_blob)
