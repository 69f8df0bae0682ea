"""Facebook Login's manual flow, as documented:

- the dialog: ``GET /{version}/dialog/oauth?client_id&redirect_uri&state&scope&response_type=code``
  (scopes comma-separated; https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow);
- the code exchanged at ``/{version}/oauth/access_token`` (``client_id``, ``client_secret``,
  ``redirect_uri``, ``code``) for a short-lived user token (about an hour);
- ``grant_type=fb_exchange_token`` turning it into a long-lived one (about 60 days,
  ``expires_in`` 5184000; https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from amplifier.sandbox.kit import oauth
from amplifier.sandbox.kit.dialect import TokenPolicy
from amplifier.sandbox.kit.state import HostState, now
from amplifier.sandbox.kit.web_util import json_response

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.facebook_pages import PagesSettings

SCOPES = ("pages_show_list", "pages_manage_posts", "pages_read_engagement")
SHORT_TTL_S = 3600
LONG_TTL_S = 5_184_000


class PagesOAuth(oauth.AuthorizationServer):
    authorize_path = "/{version}/dialog/oauth"
    token_path = "/{version}/oauth/access_token"
    revoke_path = "/{version}/oauth/revoke"
    texts = oauth.GrantTexts(
        bad_code="This authorization code has expired or has been used.",
        redirect_mismatch="Error validating verification code. Please make sure your "
        "redirect_uri is identical to the one you used in the OAuth dialog request",
        missing_verifier=("invalid_request", "Missing code_verifier"),
        bad_verifier="Invalid code verifier",
        bad_refresh="Invalid refresh token",
        denied="Permissions error",
        unsupported_grant="Unsupported grant_type {grant_type}",
    )
    revoke_answer: dict[str, Any] = {"success": True}

    def __init__(self, settings: PagesSettings) -> None:
        self.settings = settings
        self.tokens = TokenPolicy("bearer", SHORT_TTL_S)

    def check_authorize(
        self, state: HostState, query: oauth.Query
    ) -> oauth.AuthorizeRequest | web.Response:
        if query.get("client_id") != self.settings.client_id:
            return web.Response(text="Invalid App ID", status=400)
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri:
            return web.Response(text="URL blocked: no redirect_uri", status=400)
        scopes = [s for s in query.get("scope", "").replace(" ", ",").split(",") if s]
        return oauth.AuthorizeRequest(
            client_id=self.settings.client_id,
            app_name="amplifier (sandbox)",
            label="Facebook",
            redirect_uri=redirect_uri,
            state=query.get("state"),
            scopes=scopes or ["public_profile"],
            code_challenge=query.get("code_challenge"),
            code_challenge_method=query.get("code_challenge_method"),
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

    def other_grant(
        self, state: HostState, grant_type: str, client_id: str, params: dict[str, Any]
    ) -> web.Response | None:
        if grant_type != "fb_exchange_token":
            return None
        short = state.tokens.get(str(params.get("fb_exchange_token", "")))
        expired = short is not None and short.expires_at is not None and short.expires_at <= now()
        if short is None or short.revoked or expired or short.client_id != client_id:
            return json_response(
                {
                    "error": {
                        "message": "Error validating access token: the token is invalid.",
                        "type": "OAuthException",
                        "code": 190,
                    }
                },
                400,
            )
        long = state.issue_access_token(short.user_id, client_id, short.scopes, LONG_TTL_S)
        body = {"access_token": long.token, "token_type": "bearer", "expires_in": LONG_TTL_S}
        return json_response(body, 200, oauth.NO_STORE)
