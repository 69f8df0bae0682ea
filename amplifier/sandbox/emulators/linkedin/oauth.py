"""LinkedIn's OAuth 2.0 authorization code flow, on the kit's authorization server.

Facts ("Authorization Code Flow",
https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow;
"Sign In with LinkedIn using OpenID Connect",
https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2):
authorize at ``/oauth/v2/authorization`` with ``response_type=code``, ``client_id``,
``redirect_uri``, ``state`` and space-separated ``scope``; exchange at
``POST /oauth/v2/accessToken`` (form) with ``grant_type=authorization_code``, ``code``,
``redirect_uri``, ``client_id`` and ``client_secret`` in the body. The answer holds
``access_token``, ``expires_in`` (5184000: 60 days) and ``scope`` (comma-separated); no refresh
token for self-serve apps. ``POST /oauth/v2/revoke`` (``client_id``, ``client_secret``,
``token``) revokes a token.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from aiohttp import web

from amplifier.sandbox.kit import authorize_page, oauth
from amplifier.sandbox.kit.dialect import TokenPolicy
from amplifier.sandbox.kit.state import HostState
from amplifier.sandbox.kit.web_util import is_http_url, json_response

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.linkedin import LinkedInSettings

KNOWN_SCOPES = frozenset({"openid", "profile", "email", "w_member_social", "r_member_social"})
CONSENT_SCOPES = "openid profile w_member_social"
TEXTS = oauth.GrantTexts(
    bad_code="Unable to retrieve access token: appid/redirect uri/code verifier does not match "
    "authorization code. Or authorization code expired. Or external member binding exists",
    redirect_mismatch="Unable to retrieve access token: appid/redirect uri/code verifier does "
    "not match authorization code. Or authorization code expired. Or external member binding "
    "exists",
    missing_verifier=("invalid_request", 'A required parameter "code_verifier" is missing'),
    bad_verifier="Unable to retrieve access token: code verifier does not match",
    bad_refresh="The provided refresh token is invalid",
    denied="The user cancelled LinkedIn login",
    unsupported_grant="Invalid grant type: {grant_type}",
)


class LinkedInAuthorizationServer(oauth.AuthorizationServer):
    authorize_path = "/oauth/v2/authorization"
    token_path = "/oauth/v2/accessToken"
    revoke_path = "/oauth/v2/revoke"
    texts = TEXTS
    revoke_answer: dict[str, Any] = {}

    def __init__(self, settings: LinkedInSettings) -> None:
        self.app_name = settings.app_name
        self.client_id = settings.client_id or ""
        self.client_secret = settings.client_secret or ""
        self.tokens = TokenPolicy("Bearer", settings.token_ttl, refresh_scope=None)

    def check_authorize(
        self, state: HostState, query: oauth.Query
    ) -> oauth.AuthorizeRequest | web.Response:
        client_id = query.get("client_id", "")
        redirect_uri = query.get("redirect_uri", "")
        if not client_id or not hmac.compare_digest(client_id, self.client_id):
            return authorize_page.error_page("Bummer, something went wrong.", "Invalid client_id")
        if not is_http_url(redirect_uri):
            return authorize_page.error_page(
                "Bummer, something went wrong.",
                "The redirect_uri does not match the registered value",
            )
        st = query.get("state")
        if query.get("response_type") != "code":
            oauth.redirect_error(redirect_uri, st, "invalid_request", "Invalid response_type")
        scopes = query.get("scope", "").replace(",", " ").split()
        unknown = sorted(set(scopes) - KNOWN_SCOPES)
        if not scopes or unknown:
            oauth.redirect_error(
                redirect_uri,
                st,
                "unauthorized_scope_error",
                f'Scope "{unknown[0] if unknown else ""}" is not authorized for your application',
            )
        return oauth.AuthorizeRequest(
            client_id=self.client_id,
            app_name=self.app_name,
            label="LinkedIn",
            redirect_uri=redirect_uri,
            state=st,
            scopes=scopes,
            code_challenge=None,
            code_challenge_method=None,
        )

    def authenticate_client(
        self, state: HostState, request: web.Request, params: dict[str, Any]
    ) -> str | oauth.Refusal:
        """``client_id`` and ``client_secret`` in the form body."""
        cid, secret = oauth.presented_client(request, params)
        if not cid or not hmac.compare_digest(cid, self.client_id):
            return oauth.Refusal("Client authentication failed")
        if not secret or not hmac.compare_digest(secret, self.client_secret):
            return oauth.Refusal("Client authentication failed")
        return self.client_id

    def token_answer(
        self, state: HostState, user_id: str | None, client_id: str, scopes: frozenset[str]
    ) -> web.Response:
        body = self.issue(state, user_id, client_id, scopes)
        body["scope"] = ",".join(sorted(scopes))  # LinkedIn lists scopes with commas
        return json_response(body, 200, oauth.NO_STORE)

    def mint_grant(
        self, state: HostState, client_id: str | None, scope: str | None
    ) -> tuple[str, frozenset[str]] | oauth.AdminRefusal:
        if client_id not in (None, self.client_id):
            return oauth.AdminRefusal(400, "client_id is not this LinkedIn app's client")
        scopes = frozenset((scope or CONSENT_SCOPES).replace(",", " ").split())
        if not scopes <= KNOWN_SCOPES:
            return oauth.AdminRefusal(400, "scope holds an unknown LinkedIn scope")
        return self.client_id, scopes
