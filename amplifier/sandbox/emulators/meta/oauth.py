"""What Facebook Login's manual flow and Threads' authorization have in common, as Meta documents
them (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow,
https://developers.facebook.com/docs/threads/get-started):

- the dialog takes ``client_id``, ``redirect_uri``, ``state`` and comma-separated ``scope``;
  an unknown app id or a missing redirect is a plain-text 400 page, not a redirect;
- the code is exchanged with ``client_id`` and ``client_secret`` (query or form);
- the short-lived user token (about an hour) becomes a long-lived one of 60 days
  (``expires_in`` 5184000) for as long as it is valid.

Each emulator's subclass gives its paths, texts, scopes and the label on its dialog.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from aiohttp import web

from amplifier.sandbox.kit import oauth
from amplifier.sandbox.kit.dialect import TokenPolicy
from amplifier.sandbox.kit.state import AccessToken, HostState, now
from amplifier.sandbox.kit.web_util import json_response

SHORT_TTL_S = 3600
LONG_TTL_S = 5_184_000


class AppSettings(Protocol):
    client_id: str
    client_secret: str
    app_name: str


class MetaAuthorizationServer(oauth.AuthorizationServer):
    label: ClassVar[str]  # the name on the dialog
    scopes: ClassVar[tuple[str, ...]]  # granted when the dialog names none, and by the admin
    default_scope: ClassVar[str]
    bad_app_text: ClassVar[str]
    no_redirect_text: ClassVar[str]
    pkce: ClassVar[bool] = False
    revoke_answer: dict[str, Any] = {"success": True}

    def __init__(self, settings: AppSettings) -> None:
        self.settings = settings
        self.tokens = TokenPolicy("bearer", SHORT_TTL_S)

    def check_authorize(
        self, state: HostState, query: oauth.Query
    ) -> oauth.AuthorizeRequest | web.Response:
        if query.get("client_id") != self.settings.client_id:
            return web.Response(text=self.bad_app_text, status=400)
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri:
            return web.Response(text=self.no_redirect_text, status=400)
        scopes = [s for s in query.get("scope", "").replace(" ", ",").split(",") if s]
        return oauth.AuthorizeRequest(
            client_id=self.settings.client_id,
            app_name=self.settings.app_name,
            label=self.label,
            redirect_uri=redirect_uri,
            state=query.get("state"),
            scopes=scopes or [self.default_scope],
            code_challenge=query.get("code_challenge") if self.pkce else None,
            code_challenge_method=query.get("code_challenge_method") if self.pkce else None,
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
        scopes = (scope or ",".join(self.scopes)).replace(" ", ",").split(",")
        return self.settings.client_id, frozenset(s for s in scopes if s)

    @staticmethod
    def valid(state: HostState, token_value: str) -> AccessToken | None:
        """The token if it is known, not revoked and not expired."""
        held = state.tokens.get(token_value)
        if held is None or held.revoked:
            return None
        if held.expires_at is not None and held.expires_at <= now():
            return None
        return held

    @staticmethod
    def long_lived(state: HostState, held: AccessToken) -> web.Response:
        """A 60-day token for the same person, app and scopes: the documented answer."""
        long = state.issue_access_token(held.user_id, held.client_id, held.scopes, LONG_TTL_S)
        return json_response(
            {"access_token": long.token, "token_type": "bearer", "expires_in": LONG_TTL_S},
            200,
            oauth.NO_STORE,
        )
