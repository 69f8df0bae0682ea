"""X's OAuth 2.0 Authorization Code Flow with PKCE, on the kit's authorization server.

Facts (https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code and
.../user-access-token): authorize at ``/i/oauth2/authorize`` with ``response_type=code``,
``client_id``, ``redirect_uri``, ``scope``, ``state``, ``code_challenge`` and
``code_challenge_method`` (``S256`` or ``plain``); exchange at ``POST /2/oauth2/token``
(form-encoded) with ``grant_type=authorization_code``, ``code``, ``redirect_uri`` and
``code_verifier``; confidential clients authenticate with HTTP Basic, public clients send
``client_id`` in the body. The access token lives two hours (``expires_in`` 7200); a refresh
token is issued only with the ``offline.access`` scope, and ``grant_type=refresh_token`` gives
a new pair (the old refresh token is spent). ``POST /2/oauth2/revoke`` revokes a token.
The one client is configured (``--x-client-id``/``--x-client-secret``), not registered.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from aiohttp import web

from amplifier.sandbox.emulators.x.fields import KNOWN_SCOPES
from amplifier.sandbox.kit import authorize_page, oauth
from amplifier.sandbox.kit.dialect import TokenPolicy
from amplifier.sandbox.kit.state import HostState
from amplifier.sandbox.kit.web_util import basic_credentials, is_http_url

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.x import XSettings

CONSENT_SCOPES = "tweet.read tweet.write users.read offline.access media.write"
TEXTS = oauth.GrantTexts(
    bad_code="Value passed for the authorization code was invalid.",
    redirect_mismatch="redirect_uri does not match.",
    missing_verifier=("invalid_request", "Missing required parameter [code_verifier]."),
    bad_verifier="Value passed for the code_verifier was invalid.",
    bad_refresh="Value passed for the token was invalid.",
    denied="The user denied the request.",
    unsupported_grant="Unsupported grant_type {grant_type!r}.",
)


def _error_page(message: str) -> web.Response:
    return authorize_page.error_page("Something went wrong", message)


class XAuthorizationServer(oauth.AuthorizationServer):
    authorize_path = "/i/oauth2/authorize"
    token_path = "/2/oauth2/token"
    revoke_path = "/2/oauth2/revoke"
    texts = TEXTS
    revoke_answer = {"revoked": True}

    def __init__(self, settings: XSettings) -> None:
        self.app_name = settings.app_name
        self.client_id = settings.client_id or ""
        self.client_secret = settings.client_secret or ""
        self.tokens = TokenPolicy("bearer", settings.token_ttl, refresh_scope="offline.access")

    def check_authorize(
        self, state: HostState, query: oauth.Query
    ) -> oauth.AuthorizeRequest | web.Response:
        """What must hold before we may redirect gets an error page; the rest a redirect."""
        client_id = query.get("client_id", "")
        redirect_uri = query.get("redirect_uri", "")
        if not client_id or not hmac.compare_digest(client_id, self.client_id):
            return _error_page("You weren't able to give access to the App: unknown client_id.")
        if not is_http_url(redirect_uri):
            return _error_page("redirect_uri must be an http(s) URL.")
        if not query.get("code_challenge"):
            return _error_page("code_challenge is required (OAuth 2.0 with PKCE).")
        method = query.get("code_challenge_method", "plain")
        if method not in ("S256", "plain"):
            return _error_page("code_challenge_method must be S256 or plain.")
        st = query.get("state")
        if not st:
            return _error_page("state is required.")
        if query.get("response_type") != "code":
            oauth.redirect_error(redirect_uri, st, "unsupported_response_type")
        scopes = query.get("scope", "").split()
        if not scopes or not set(scopes) <= KNOWN_SCOPES:
            oauth.redirect_error(redirect_uri, st, "invalid_scope")
        return oauth.AuthorizeRequest(
            client_id=self.client_id,
            app_name=self.app_name,
            label="X",
            redirect_uri=redirect_uri,
            state=st,
            scopes=scopes,
            code_challenge=query["code_challenge"],
            code_challenge_method=method,
        )

    def authenticate_client(
        self, state: HostState, request: web.Request, params: dict[str, Any]
    ) -> str | oauth.Refusal:
        """HTTP Basic (a confidential client) or ``client_id`` in the body (a public one)."""
        basic = basic_credentials(request)
        if basic is not None:
            cid, secret = basic
            if not (
                hmac.compare_digest(cid, self.client_id)
                and hmac.compare_digest(secret, self.client_secret)
            ):
                return oauth.Refusal("Client authentication failed.")
            if params.get("client_id") not in (None, self.client_id):
                return oauth.Refusal("client_id does not match the authenticated client.")
            return self.client_id
        if request.headers.get("Authorization"):
            return oauth.Refusal("Unsupported client authentication.")
        cid = str(params.get("client_id", ""))
        if not cid:
            return oauth.Refusal("Missing valid authorization header.")
        if not hmac.compare_digest(cid, self.client_id):
            return oauth.Refusal("Client authentication failed: unknown client_id.")
        body_secret = params.get("client_secret")
        if body_secret is not None and not hmac.compare_digest(
            str(body_secret), self.client_secret
        ):
            return oauth.Refusal("Client authentication failed.")
        return self.client_id

    def mint_grant(
        self, state: HostState, client_id: str | None, scope: str | None
    ) -> tuple[str, frozenset[str]] | oauth.AdminRefusal:
        if client_id not in (None, self.client_id):
            return oauth.AdminRefusal(400, "client_id is not this X app's client")
        scopes = frozenset((scope or CONSENT_SCOPES).split())
        if not scopes <= KNOWN_SCOPES:
            return oauth.AdminRefusal(400, "scope holds an unknown X scope")
        return self.client_id, scopes
