"""Threads' authorization, as documented (https://developers.facebook.com/docs/threads/get-started):

- the window: ``GET /oauth/authorize?client_id&redirect_uri&scope&response_type=code&state``
  (scopes comma-separated);
- ``POST /oauth/access_token`` (``client_id``, ``client_secret``, ``grant_type=authorization_code``,
  ``redirect_uri``, ``code``): ``{"access_token", "user_id"}``, valid one hour;
- ``GET /access_token?grant_type=th_exchange_token&client_secret&access_token``: a long-lived
  token, ``expires_in`` 5184000 (60 days);
- ``GET /refresh_access_token?grant_type=th_refresh_token&access_token``: a new 60-day token for
  an unexpired long-lived one. (Threads refuses tokens younger than 24 hours; the emulator does
  not check the age, so that tests need not wait a day.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from amplifier.sandbox.emulators.meta.graph import error
from amplifier.sandbox.kit import oauth
from amplifier.sandbox.kit.dialect import TokenPolicy
from amplifier.sandbox.kit.state import HostState, now
from amplifier.sandbox.kit.web_util import host_state, json_response

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.threads import ThreadsSettings

SCOPES = ("threads_basic", "threads_content_publish", "threads_manage_insights")
SHORT_TTL_S = 3600
LONG_TTL_S = 5_184_000


class ThreadsOAuth(oauth.AuthorizationServer):
    authorize_path = "/oauth/authorize"
    token_path = "/oauth/access_token"
    revoke_path = "/oauth/revoke"
    texts = oauth.GrantTexts(
        bad_code="Invalid authorization code",
        redirect_mismatch="Error validating verification code: redirect_uri differs",
        missing_verifier=("invalid_request", "Missing code_verifier"),
        bad_verifier="Invalid code verifier",
        bad_refresh="Invalid refresh token",
        denied="Permissions error",
        unsupported_grant="Unsupported grant_type {grant_type}",
    )
    revoke_answer: dict[str, Any] = {"success": True}

    def __init__(self, settings: ThreadsSettings) -> None:
        self.settings = settings
        self.tokens = TokenPolicy("bearer", SHORT_TTL_S)

    def add_routes(self, app: web.Application) -> None:
        super().add_routes(app)
        app.router.add_get("/access_token", self.exchange)
        app.router.add_get("/refresh_access_token", self.refresh_long)

    def token_answer(
        self, state: HostState, user_id: str | None, client_id: str, scopes: frozenset[str]
    ) -> web.Response:
        body = self.issue(state, user_id, client_id, scopes)
        return json_response({"access_token": body["access_token"], "user_id": user_id})

    def check_authorize(
        self, state: HostState, query: oauth.Query
    ) -> oauth.AuthorizeRequest | web.Response:
        if query.get("client_id") != self.settings.client_id:
            return web.Response(text="Invalid app id", status=400)
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri:
            return web.Response(text="No redirect_uri", status=400)
        scopes = [s for s in query.get("scope", "").replace(" ", ",").split(",") if s]
        return oauth.AuthorizeRequest(
            client_id=self.settings.client_id,
            app_name="amplifier (sandbox)",
            label="Threads",
            redirect_uri=redirect_uri,
            state=query.get("state"),
            scopes=scopes or ["threads_basic"],
            code_challenge=None,
            code_challenge_method=None,
        )

    def authenticate_client(
        self, state: HostState, request: web.Request, params: dict[str, Any]
    ) -> str | oauth.Refusal:
        merged = {**request.query, **params}
        if (merged.get("client_id"), merged.get("client_secret")) != (
            self.settings.client_id,
            self.settings.client_secret,
        ):
            return oauth.Refusal("Error validating client secret.")
        return self.settings.client_id

    def mint_grant(
        self, state: HostState, client_id: str | None, scope: str | None
    ) -> tuple[str, frozenset[str]] | oauth.AdminRefusal:
        scopes = (scope or ",".join(SCOPES)).replace(" ", ",").split(",")
        return self.settings.client_id, frozenset(s for s in scopes if s)

    def _long(self, state: HostState, token_value: str) -> web.Response:
        held = state.tokens.get(token_value)
        if (
            held is None
            or held.revoked
            or (held.expires_at is not None and held.expires_at <= now())
        ):
            return error(400, 190, "Error validating access token: the token is invalid or expired")
        long = state.issue_access_token(held.user_id, held.client_id, held.scopes, LONG_TTL_S)
        return json_response(
            {"access_token": long.token, "token_type": "bearer", "expires_in": LONG_TTL_S},
            200,
            oauth.NO_STORE,
        )

    async def exchange(self, request: web.Request) -> web.StreamResponse:
        state = host_state(request)
        q = request.query
        if q.get("grant_type") != "th_exchange_token":
            return error(400, 100, "grant_type must be th_exchange_token")
        if q.get("client_secret") != self.settings.client_secret:
            return error(400, 101, "Error validating client secret.")
        return self._long(state, q.get("access_token", ""))

    async def refresh_long(self, request: web.Request) -> web.StreamResponse:
        state = host_state(request)
        if request.query.get("grant_type") != "th_refresh_token":
            return error(400, 100, "grant_type must be th_refresh_token")
        return self._long(state, request.query.get("access_token", ""))
