"""Mastodon's apps and OAuth, on the kit's authorization server (docs.joinmastodon.org).

* ``POST /api/v1/apps`` ("apps", /methods/apps/): ``client_name``, ``redirect_uris``, ``scopes``
  (default ``read``), ``website``; answers an Application with ``client_id`` and
  ``client_secret``. ``GET /api/v1/apps/verify_credentials``: the token's app, no secret.
* ``GET /oauth/authorize``, ``POST /oauth/token``, ``POST /oauth/revoke`` ("oauth",
  /methods/oauth/): ``response_type=code``, ``client_id``, ``redirect_uri`` (one of the app's, or
  ``urn:ietf:wg:oauth:2.0:oob`` to show the code), ``scope``, ``state``, optional PKCE
  (``code_challenge_method=S256``); the token answer is a Token entity ``{access_token,
  token_type: "Bearer", scope, created_at}`` (/entities/Token/); tokens do not expire;
  ``grant_type=client_credentials`` gives an app token; revoke answers 200 ``{}``.
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from amplifier.sandbox.emulators.mastodon.entities import app_json, error
from amplifier.sandbox.kit import authorize_page, oauth
from amplifier.sandbox.kit.dialect import TokenPolicy
from amplifier.sandbox.kit.preamble import Call, authenticate, endpoint
from amplifier.sandbox.kit.state import HostState, OAuthApp
from amplifier.sandbox.kit.web_util import is_http_url, read_params

SCOPE_RE = re.compile(r"^(read|write|follow|push|profile|admin:read|admin:write)(:[a-z_]+)?$")
INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the "
    "redirection URI used in the authorization request, or was issued to another client."
)
INVALID_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication included, "
    "or unsupported authentication method."
)
INVALID_SCOPE = "The requested scope is invalid, unknown, or malformed."
TEXTS = oauth.GrantTexts(
    bad_code=INVALID_GRANT,
    redirect_mismatch=INVALID_GRANT,
    missing_verifier=("invalid_grant", INVALID_GRANT),
    bad_verifier=INVALID_GRANT,
    bad_refresh=INVALID_GRANT,
    denied="The resource owner or authorization server denied the request.",
    unsupported_grant="The authorization grant type is not supported by the authorization server.",
)


def has_scope(granted: frozenset[str], needed: str) -> bool:
    """``write`` grants ``write:statuses``; ``read`` grants ``read:accounts``."""
    return needed in granted or needed.split(":")[0] in granted


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value or "").replace("\n", " ").split() if v.strip()]


@endpoint(faults=False)
async def create_app(call: Call) -> web.StreamResponse:
    state = call.state
    try:
        params = await read_params(call.request)
    except ValueError as exc:
        return error(400, str(exc))
    name = str(params.get("client_name", "")).strip()
    if not name:
        return error(422, "Validation failed: Application name can't be blank")
    redirect_uris = _as_list(params.get("redirect_uris"))
    if not redirect_uris:
        return error(422, "Validation failed: Redirect URI can't be blank")
    for uri in redirect_uris:
        if uri != oauth.OOB and not urlsplit(uri).scheme:
            return error(422, "Validation failed: Redirect URI must be an absolute URI.")
    scopes = frozenset(_as_list(params.get("scopes")) or ["read"])
    if not all(SCOPE_RE.match(s) for s in scopes):
        return error(422, "Validation failed: Scopes are invalid")
    website = params.get("website") or None
    app = OAuthApp(
        id=state.next_id(),
        name=name,
        website=str(website) if website else None,
        client_id=secrets.token_urlsafe(32),
        client_secret=secrets.token_urlsafe(32),
        redirect_uris=redirect_uris,
        scopes=scopes,
    )
    state.apps[app.client_id] = app
    return call.answer(app_json(app))


@endpoint(faults=False)
async def verify_app(call: Call) -> web.StreamResponse:
    """``GET /api/v1/apps/verify_credentials``: the token's app, without its secret."""
    found = authenticate(call.state, call.request, user_required=False)
    app = None if isinstance(found, str) else call.state.apps.get(found[0].client_id)
    if app is None:
        return error(401, "The access token is invalid")
    return call.answer(app_json(app, with_secret=False))


class MastodonAuthorizationServer(oauth.AuthorizationServer):
    authorize_path = "/oauth/authorize"
    token_path = "/oauth/token"
    revoke_path = "/oauth/revoke"
    texts = TEXTS
    tokens = TokenPolicy("Bearer", None, created_at=True)
    revoke_answer: dict[str, Any] = {}

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/api/v1/apps", create_app)
        app.router.add_get("/api/v1/apps/verify_credentials", verify_app)
        super().add_routes(app)

    def check_authorize(
        self, state: HostState, query: oauth.Query
    ) -> oauth.AuthorizeRequest | web.Response:
        app = state.apps.get(query.get("client_id", ""))
        if app is None:
            return authorize_page.error_page("An error has occurred", INVALID_CLIENT)
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in app.redirect_uris:
            return authorize_page.error_page(
                "An error has occurred", "The redirect uri included is not valid."
            )
        if redirect_uri != oauth.OOB and not is_http_url(redirect_uri):
            return authorize_page.error_page("An error has occurred", "Bad redirect uri.")
        st = query.get("state")
        if query.get("response_type") != "code":
            oauth.redirect_error(
                redirect_uri,
                st,
                "unsupported_response_type",
                "The authorization server does not support this response type.",
            )
        scopes = query.get("scope", "read").split() or ["read"]
        if not all(SCOPE_RE.match(s) and has_scope(app.scopes, s) for s in scopes):
            oauth.redirect_error(redirect_uri, st, "invalid_scope", INVALID_SCOPE)
        challenge = query.get("code_challenge") or None
        if challenge and query.get("code_challenge_method") not in (None, "S256"):
            oauth.redirect_error(
                redirect_uri, st, "invalid_request", "Only S256 code_challenge_method is supported."
            )
        return oauth.AuthorizeRequest(
            client_id=app.client_id,
            app_name=app.name,
            label=f"Mastodon at {urlsplit(state.config.base_url).netloc}",
            redirect_uri=redirect_uri,
            state=st,
            scopes=scopes,
            code_challenge=challenge,
            code_challenge_method="S256" if challenge else None,
        )

    def authenticate_client(
        self, state: HostState, request: web.Request, params: dict[str, Any]
    ) -> str | oauth.Refusal:
        """A registered app's id and secret, by HTTP Basic or in the body."""
        cid, secret = oauth.presented_client(request, params)
        app = state.apps.get(cid)
        if app is None or not hmac.compare_digest(secret, app.client_secret):
            return oauth.Refusal(INVALID_CLIENT)
        return app.client_id

    def revoke_refused(self, refusal: oauth.Refusal) -> web.Response:
        return oauth.oauth_error(
            403, "unauthorized_client", "You are not authorized to revoke this token"
        )

    def other_grant(
        self, state: HostState, grant_type: str, client_id: str, params: dict[str, Any]
    ) -> web.Response | None:
        if grant_type != "client_credentials":
            return None
        app = state.apps[client_id]
        scopes = frozenset(str(params.get("scope", "read")).split() or ["read"])
        if not all(has_scope(app.scopes, s) for s in scopes):
            return oauth.oauth_error(400, "invalid_scope", INVALID_SCOPE)
        return self.token_answer(state, None, client_id, scopes)

    def mint_grant(
        self, state: HostState, client_id: str | None, scope: str | None
    ) -> tuple[str, frozenset[str]] | oauth.AdminRefusal:
        if client_id is None:
            if len(state.apps) != 1:
                return oauth.AdminRefusal(
                    400, "client_id is required unless exactly one app is registered"
                )
            client_id = next(iter(state.apps))
        app = state.apps.get(client_id)
        if app is None:
            return oauth.AdminRefusal(404, "no app registered with this client_id")
        scopes = frozenset(scope.split()) if scope else app.scopes
        if not all(SCOPE_RE.match(s) and has_scope(app.scopes, s) for s in scopes):
            return oauth.AdminRefusal(400, "scope is not within the app's scopes")
        return app.client_id, scopes
