"""Tumblr's OAuth 2 authorization code flow, on the kit's authorization server.

Facts ("OAuth 2", https://www.tumblr.com/docs/en/api/v2#oauth2-authorization): authorize at
``https://www.tumblr.com/oauth2/authorize`` with ``client_id``, ``response_type=code``,
``scope`` (``basic``, ``write``, ``offline_access``), ``state`` and ``redirect_uri``; exchange
at ``POST https://api.tumblr.com/v2/oauth2/token`` with ``grant_type``, ``code``,
``client_id``, ``client_secret`` and ``redirect_uri``. Access tokens last 42 minutes
(``expires_in`` 2520); ``offline_access`` gives a ``refresh_token``, and
``grant_type=refresh_token`` gives a new pair (the old refresh token is spent).
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from aiohttp import web

from amplifier.sandbox.kit import authorize_page, oauth
from amplifier.sandbox.kit.dialect import TokenPolicy
from amplifier.sandbox.kit.state import HostState
from amplifier.sandbox.kit.web_util import is_http_url

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.tumblr import TumblrSettings

KNOWN_SCOPES = frozenset({"basic", "write", "offline_access"})
CONSENT_SCOPES = "basic write offline_access"
TEXTS = oauth.GrantTexts(
    bad_code="Invalid authorization code",
    redirect_mismatch="Invalid redirect_uri",
    missing_verifier=("invalid_request", "Missing code_verifier"),
    bad_verifier="Invalid code_verifier",
    bad_refresh="Invalid refresh token",
    denied="The user denied the request",
    unsupported_grant="Unsupported grant type: {grant_type}",
)


class TumblrAuthorizationServer(oauth.AuthorizationServer):
    authorize_path = "/oauth2/authorize"
    token_path = "/v2/oauth2/token"
    revoke_path = "/v2/oauth2/revoke"
    texts = TEXTS
    revoke_answer: dict[str, Any] = {"meta": {"status": 200, "msg": "OK"}, "response": []}

    def __init__(self, settings: TumblrSettings) -> None:
        self.app_name = settings.app_name
        self.client_id = settings.client_id or ""
        self.client_secret = settings.client_secret or ""
        self.tokens = TokenPolicy("bearer", settings.token_ttl, refresh_scope="offline_access")

    def check_authorize(
        self, state: HostState, query: oauth.Query
    ) -> oauth.AuthorizeRequest | web.Response:
        client_id = query.get("client_id", "")
        redirect_uri = query.get("redirect_uri", "")
        if not client_id or not hmac.compare_digest(client_id, self.client_id):
            return authorize_page.error_page("Oh no", "Invalid client_id.")
        if not is_http_url(redirect_uri):
            return authorize_page.error_page("Oh no", "Invalid redirect_uri.")
        st = query.get("state")
        if query.get("response_type") != "code":
            oauth.redirect_error(redirect_uri, st, "unsupported_response_type")
        scopes = query.get("scope", "").split()
        if not scopes or not set(scopes) <= KNOWN_SCOPES:
            oauth.redirect_error(redirect_uri, st, "invalid_scope")
        return oauth.AuthorizeRequest(
            client_id=self.client_id,
            app_name=self.app_name,
            label="Tumblr",
            redirect_uri=redirect_uri,
            state=st,
            scopes=scopes,
            code_challenge=query.get("code_challenge"),
            code_challenge_method=query.get("code_challenge_method", "S256"),
        )

    def authenticate_client(
        self, state: HostState, request: web.Request, params: dict[str, Any]
    ) -> str | oauth.Refusal:
        cid, secret = oauth.presented_client(request, params)
        if not cid or not hmac.compare_digest(cid, self.client_id):
            return oauth.Refusal("Invalid client_id")
        if not secret or not hmac.compare_digest(secret, self.client_secret):
            return oauth.Refusal("Invalid client_secret")
        return self.client_id

    def mint_grant(
        self, state: HostState, client_id: str | None, scope: str | None
    ) -> tuple[str, frozenset[str]] | oauth.AdminRefusal:
        if client_id not in (None, self.client_id):
            return oauth.AdminRefusal(400, "client_id is not this Tumblr app's key")
        scopes = frozenset((scope or CONSENT_SCOPES).split())
        if not scopes <= KNOWN_SCOPES:
            return oauth.AdminRefusal(400, "scope holds an unknown Tumblr scope")
        return self.client_id, scopes
