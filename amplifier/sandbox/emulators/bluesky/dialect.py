"""A Bluesky PDS and its authorization server as one emulated host: ids, limits, answers, routes.

Record keys are TIDs (https://atproto.com/specs/tid); a post's id in the sandbox is its AT URI
``at://<did>/app.bsky.feed.post/<rkey>``. Errors take the XRPC shape ``{"error", "message"}``
(https://atproto.com/specs/xrpc): ``InvalidRequest``, ``InvalidToken``, ``ExpiredToken``,
``RateLimitExceeded``, ``InternalServerError``. Default limits: docs.bsky.app "Rate Limits"
(1,666 creates an hour per account; 3,000 requests per 5 minutes per client address).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from amplifier.sandbox.emulators.bluesky import api, identity
from amplifier.sandbox.emulators.bluesky.dpop import ProofError
from amplifier.sandbox.emulators.bluesky.oauth import AtprotoAuthorizationServer
from amplifier.sandbox.kit.dialect import AuthFailure, Dialect, Snowflake
from amplifier.sandbox.kit.faults import RateLimits
from amplifier.sandbox.kit.post_pages import show_post
from amplifier.sandbox.kit.state import AccessToken, HostState, User, now
from amplifier.sandbox.kit.web_util import host_state

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.bluesky import BlueskySettings

S32 = "234567abcdefghijklmnopqrstuvwxyz"


class BlueskyDialect(Dialect):
    label = "Bluesky"
    ids = Snowflake(shift=16, sequence_bits=16)
    post_paths = (api.CREATE,)
    max_characters = 300

    def __init__(self, settings: BlueskySettings) -> None:
        self.handle_domain = settings.handle_domain.strip(".").lower()
        self.oauth: AtprotoAuthorizationServer = AtprotoAuthorizationServer(settings.token_ttl)
        self.records: dict[str, dict[str, Any]] = {}
        self.blobs: dict[tuple[str, str], str] = {}  # (user id, CID) → its upload (blobs.py)
        self._last_us = 0

    def next_tid(self) -> str:
        """A TID from this host's clock, strictly increasing."""
        us = max(int(time.time() * 1_000_000), self._last_us + 1)
        self._last_us = us
        value = us << 10
        return "".join(S32[(value >> (5 * (12 - i))) & 31] for i in range(13))

    def default_rate_limits(self) -> RateLimits:
        return RateLimits(user_limit=1666, user_window_s=3600, app_limit=0, app_window_s=300)

    def add_routes(self, app: web.Application) -> None:
        self.oauth.add_routes(app)
        api.add_routes(app)
        identity.add_routes(app)
        app.router.add_get("/profile/{handle}/post/{rkey}", post_page)

    def authenticate(self, state: HostState, request: web.Request) -> (
        tuple[AccessToken, User] | web.Response
    ):  # fmt: skip
        """The DPoP-bound access token of ``request`` and its account, or the refusal."""
        nonce = {"DPoP-Nonce": self.oauth.proofs.nonce()}
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        value = value.strip()
        if scheme.lower() != "dpop" or not value:
            return api.unauthenticated("invalid", nonce)
        try:
            jkt = self.oauth.proofs.check(
                request.headers.get("DPoP"),
                method=request.method,
                url=state.config.base_url + request.path,
                access_token=value,
            )
        except ProofError as exc:
            return api.proof_refused(exc, {"DPoP-Nonce": self.oauth.proofs.nonce()})
        token = state.tokens.get(value)
        # a token minted by the admin API (no consent, no PAR) is bound to the first key that
        # proves it, as the token endpoint binds the key of its request
        if token is not None:
            self.oauth.access_jkt.setdefault(value, jkt)
        if token is None or self.oauth.access_jkt.get(value) != jkt:
            return api.unauthenticated("invalid", nonce)
        if token.revoked:
            return api.unauthenticated("revoked", nonce)
        if token.expires_at is not None and token.expires_at <= now():
            return api.unauthenticated("expired", nonce)
        user = state.users.get(token.user_id or "")
        if user is None:
            return api.unauthenticated("invalid", nonce)
        return token, user

    def failure(self, status: int, *, stored: bool, headers: dict[str, str]) -> web.Response:
        message = "Sandbox: injected failure" + (" after storing" if stored else "")
        error = "InternalServerError" if status >= 500 else "InvalidRequest"
        return identity.xrpc_error(status, error, message, headers)

    def unauthenticated(self, reason: AuthFailure) -> web.Response:
        return api.unauthenticated(reason, {})

    def rate_limited(self, headers: dict[str, str]) -> web.Response:
        return identity.xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers)

    def out_of_scope(self, needed: tuple[str, ...], headers: dict[str, str]) -> web.Response:
        return identity.xrpc_error(403, "InsufficientScope", "Missing required scope", headers)

    def info(self) -> dict[str, Any]:
        return {"handle_domain": self.handle_domain}


async def post_page(request: web.Request) -> web.Response:
    """The post's page at the address amplifier's report links to (``/profile/{handle}/post/
    {rkey}``, as on the Bluesky app, which takes the account's DID in place of the handle)."""
    state = host_state(request)
    handle, rkey = request.match_info["handle"], request.match_info["rkey"]
    user = identity.user_by_actor(state, handle)
    uri = f"at://{identity.did_of(state, user)}/app.bsky.feed.post/{rkey}" if user else ""
    return show_post(state, state.posts_by_id.get(uri), author=handle)
