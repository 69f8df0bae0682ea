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

from aiohttp import web

from amplifier.sandbox.emulators.meta.graph import error
from amplifier.sandbox.emulators.meta.oauth import MetaAuthorizationServer
from amplifier.sandbox.kit import oauth
from amplifier.sandbox.kit.state import HostState
from amplifier.sandbox.kit.web_util import host_state, json_response

SCOPES = ("threads_basic", "threads_content_publish", "threads_manage_insights")


class ThreadsOAuth(MetaAuthorizationServer):
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
    label = "Threads"
    scopes = SCOPES
    default_scope = "threads_basic"
    bad_app_text = "Invalid app id"
    no_redirect_text = "No redirect_uri"

    def add_routes(self, app: web.Application) -> None:
        super().add_routes(app)
        app.router.add_get("/access_token", self.exchange)
        app.router.add_get("/refresh_access_token", self.refresh_long)

    def token_answer(
        self, state: HostState, user_id: str | None, client_id: str, scopes: frozenset[str]
    ) -> web.Response:
        body = self.issue(state, user_id, client_id, scopes)
        return json_response({"access_token": body["access_token"], "user_id": user_id})

    def _long(self, state: HostState, token_value: str) -> web.Response:
        held = self.valid(state, token_value)
        if held is None:
            return error(400, 190, "Error validating access token: the token is invalid or expired")
        return self.long_lived(state, held)

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
