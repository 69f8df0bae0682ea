"""An OAuth 2.0 authorization server (RFC 6749, PKCE RFC 7636, revocation RFC 7009), shared by
every emulator: the consent page, the authorization code, the token endpoint with refresh
rotation, revocation, and the tokens the admin API mints past the consent page.

An emulator subclasses :class:`AuthorizationServer` with what its platform does its own way:
which authorize queries it accepts (:meth:`~AuthorizationServer.check_authorize`, which may
redirect with an error), how a client authenticates, its error texts (:class:`GrantTexts`), its
token policy and any further grant. Token-endpoint errors take the RFC 6749 §5.2 shape
``{"error", "error_description"}``; the token answer (§5.1) carries ``Cache-Control: no-store``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, NoReturn

from aiohttp import web
from multidict import MultiMapping

from amplifier.sandbox.kit import authorize_page
from amplifier.sandbox.kit.dialect import TokenPolicy
from amplifier.sandbox.kit.preamble import injected_failure
from amplifier.sandbox.kit.state import USERNAME_RE, AuthCode, HostState, now
from amplifier.sandbox.kit.web_util import (
    apply_latency,
    basic_credentials,
    host_state,
    json_response,
    read_params,
    with_query,
)

OOB = "urn:ietf:wg:oauth:2.0:oob"  # "out of band": the code is shown, not redirected
CODE_TTL_S = 600
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
Query = MultiMapping[str]


@dataclass(frozen=True)
class AuthorizeRequest:
    """An authorize query the platform accepted: who asks, for what, where the code goes."""

    client_id: str
    app_name: str
    label: str  # the consent page's heading: whose sandbox this is
    redirect_uri: str
    state: str | None
    scopes: list[str]
    code_challenge: str | None
    code_challenge_method: str | None


@dataclass(frozen=True)
class GrantTexts:
    """The platform's own ``error_description`` texts ("{grant_type}" is filled in)."""

    bad_code: str
    redirect_mismatch: str
    missing_verifier: tuple[str, str]  # (error, error_description)
    bad_verifier: str
    bad_refresh: str
    denied: str
    unsupported_grant: str


@dataclass(frozen=True)
class Refusal:
    """Why a client failed to authenticate (the ``error_description``)."""

    description: str


@dataclass(frozen=True)
class AdminRefusal:
    """Why the admin API cannot mint tokens as asked: an HTTP status and a message."""

    status: int
    message: str


def oauth_error(status: int, error: str, description: str) -> web.Response:
    return json_response({"error": error, "error_description": description}, status)


def redirect_error(
    redirect_uri: str, state: str | None, error: str, description: str = ""
) -> NoReturn:
    """Send the user agent back to the client with an error (RFC 6749 §4.1.2.1)."""
    params = {"error": error}
    if description:
        params["error_description"] = description
    if state:
        params["state"] = state
    raise web.HTTPFound(with_query(redirect_uri, params))


def presented_client(request: web.Request, params: dict[str, Any]) -> tuple[str, str]:
    """The client id and secret a request presents (RFC 6749 §2.3.1): by HTTP Basic when it
    sends that, else ``client_id`` and ``client_secret`` in the body ("" when missing)."""
    basic = basic_credentials(request)
    if basic is not None:
        return basic
    return str(params.get("client_id", "")), str(params.get("client_secret", ""))


def pkce_ok(code: AuthCode, verifier: str) -> bool:
    """RFC 7636 §4.6: S256 compares BASE64URL(SHA256(verifier)), plain the verifier itself."""
    if code.code_challenge is None:
        return True
    if code.code_challenge_method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        expected = verifier
    return hmac.compare_digest(expected, code.code_challenge)


def _signup_problem(username: str, followers_raw: str) -> tuple[str | None, int | None]:
    if not USERNAME_RE.match(username):
        return "A username is 1 to 30 letters, digits or underscores.", None
    if not followers_raw:
        return None, None
    try:
        followers = int(followers_raw)
    except ValueError:
        followers = -1
    if followers < 0:
        return "Followers must be a whole number.", None
    return None, followers


class AuthorizationServer(ABC):
    """The OAuth routes of one host; see the module docstring for what a subclass declares."""

    authorize_path: str
    token_path: str
    revoke_path: str
    texts: GrantTexts
    tokens: TokenPolicy
    revoke_answer: dict[str, Any]

    @abstractmethod
    def check_authorize(self, state: HostState, query: Query) -> AuthorizeRequest | web.Response:
        """The accepted request, an error page (when redirecting cannot be trusted), or raise
        :func:`redirect_error`."""

    @abstractmethod
    def authenticate_client(
        self, state: HostState, request: web.Request, params: dict[str, Any]
    ) -> str | Refusal:
        """The authenticated client's id, or why not."""

    @abstractmethod
    def mint_grant(
        self, state: HostState, client_id: str | None, scope: str | None
    ) -> tuple[str, frozenset[str]] | AdminRefusal:
        """The client and scopes the admin API mints tokens for, as a consent would grant."""

    def other_grant(
        self, state: HostState, grant_type: str, client_id: str, params: dict[str, Any]
    ) -> web.Response | None:
        """A grant type of the platform's beyond the code and refresh grants, if it is one."""
        return None

    def revoke_refused(self, refusal: Refusal) -> web.Response:
        return oauth_error(401, "invalid_client", refusal.description)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(self.authorize_path, self.authorize_get)
        app.router.add_post(self.authorize_path, self.authorize_post)
        app.router.add_post(self.token_path, self.token)
        app.router.add_post(self.revoke_path, self.revoke)

    # ---- the consent page --------------------------------------------------------------------

    def _consent(
        self, state: HostState, asked: AuthorizeRequest, action: str, error: str | None = None
    ) -> web.Response:
        return authorize_page.consent_page(
            platform_label=asked.label,
            app_name=asked.app_name,
            scopes=asked.scopes,
            usernames=[u.username for u in state.users.values()],
            action=action,
            error=error,
            status=400 if error else 200,
        )

    async def authorize_get(self, request: web.Request) -> web.StreamResponse:
        state = host_state(request)
        asked = self.check_authorize(state, request.query)
        if isinstance(asked, web.Response):
            return asked
        return self._consent(state, asked, request.path_qs)

    async def authorize_post(self, request: web.Request) -> web.StreamResponse:
        state = host_state(request)
        asked = self.check_authorize(state, request.query)
        if isinstance(asked, web.Response):
            return asked
        form = await request.post()
        if form.get("decision") != "approve":
            if asked.redirect_uri == OOB:
                return authorize_page.error_page("Access denied", self.texts.denied, 403)
            redirect_error(asked.redirect_uri, asked.state, "access_denied", self.texts.denied)
        username = str(form.get("username", "")).strip().lstrip("@")
        problem, followers = _signup_problem(username, str(form.get("followers", "")).strip())
        if problem:
            return self._consent(state, asked, request.path_qs, problem)
        user = state.find_user(username) or state.get_or_create_user(username, followers)
        code = AuthCode(
            code=secrets.token_urlsafe(32),
            user_id=user.id,
            client_id=asked.client_id,
            redirect_uri=asked.redirect_uri,
            scopes=frozenset(asked.scopes),
            expires_at=now() + CODE_TTL_S,
            code_challenge=asked.code_challenge,
            code_challenge_method=asked.code_challenge_method,
        )
        state.codes[code.code] = code
        if asked.redirect_uri == OOB:
            return authorize_page.code_page(code.code)
        params = {"code": code.code}
        if asked.state:
            params["state"] = asked.state
        raise web.HTTPFound(with_query(asked.redirect_uri, params))

    # ---- tokens ------------------------------------------------------------------------------

    def issue(
        self, state: HostState, user_id: str | None, client_id: str, scopes: frozenset[str]
    ) -> dict[str, Any]:
        """The token answer's body (RFC 6749 §5.1) for a new grant, the tokens stored."""
        policy = self.tokens
        access = state.issue_access_token(user_id, client_id, scopes, policy.ttl_s)
        body: dict[str, Any] = {
            "access_token": access.token,
            "token_type": policy.token_type,
            "scope": " ".join(sorted(scopes)),
        }
        if policy.ttl_s is not None:
            body["expires_in"] = policy.ttl_s
        if policy.created_at:
            body["created_at"] = int(access.created_at)
        if user_id is not None and policy.refresh_scope in scopes:
            body["refresh_token"] = state.issue_refresh_token(user_id, client_id, scopes)
        return body

    def token_answer(
        self, state: HostState, user_id: str | None, client_id: str, scopes: frozenset[str]
    ) -> web.Response:
        return json_response(self.issue(state, user_id, client_id, scopes), 200, NO_STORE)

    async def _client_request(
        self, state: HostState, request: web.Request
    ) -> tuple[dict[str, Any], str | Refusal] | web.Response:
        """The body's parameters and the client they authenticate (or why not)."""
        try:
            params = await read_params(request)
        except ValueError as exc:
            return oauth_error(400, "invalid_request", str(exc))
        return params, self.authenticate_client(state, request, params)

    async def token(self, request: web.Request) -> web.StreamResponse:
        state = host_state(request)
        await apply_latency(state)
        failure = injected_failure(state, request)
        if failure is not None:
            return failure
        asked = await self._client_request(state, request)
        if isinstance(asked, web.Response):
            return asked
        params, client = asked
        if isinstance(client, Refusal):
            return oauth_error(401, "invalid_client", client.description)
        grant_type = params.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(state, client, params)
        if grant_type == "refresh_token" and self.tokens.refresh_scope is not None:
            return self._refresh(state, client, params)
        other = self.other_grant(state, str(grant_type), client, params)
        if other is not None:
            return other
        description = self.texts.unsupported_grant.format(grant_type=grant_type)
        return oauth_error(400, "unsupported_grant_type", description)

    def _exchange_code(
        self, state: HostState, client_id: str, params: dict[str, Any]
    ) -> web.Response:
        texts = self.texts
        code = state.codes.get(str(params.get("code", "")))
        if code is None or code.used or code.expires_at <= now() or code.client_id != client_id:
            return oauth_error(400, "invalid_grant", texts.bad_code)
        if params.get("redirect_uri") != code.redirect_uri:
            return oauth_error(400, "invalid_grant", texts.redirect_mismatch)
        if code.code_challenge is not None:
            verifier = params.get("code_verifier")
            if not verifier:
                return oauth_error(400, *texts.missing_verifier)
            if not pkce_ok(code, str(verifier)):
                return oauth_error(400, "invalid_grant", texts.bad_verifier)
        code.used = True
        return self.token_answer(state, code.user_id, client_id, code.scopes)

    def _refresh(self, state: HostState, client_id: str, params: dict[str, Any]) -> web.Response:
        """Refresh rotation: the refresh token is spent, a new pair is issued."""
        rt = state.refresh_tokens.get(str(params.get("refresh_token", "")))
        if rt is None or rt.used or rt.revoked or rt.client_id != client_id:
            return oauth_error(400, "invalid_grant", self.texts.bad_refresh)
        rt.used = True
        return self.token_answer(state, rt.user_id, client_id, rt.scopes)

    async def revoke(self, request: web.Request) -> web.StreamResponse:
        """RFC 7009: the client's own access or refresh token is revoked; any other is let be."""
        state = host_state(request)
        await apply_latency(state)
        asked = await self._client_request(state, request)
        if isinstance(asked, web.Response):
            return asked
        params, client = asked
        if isinstance(client, Refusal):
            return self.revoke_refused(client)
        value = str(params.get("token", ""))
        access = state.tokens.get(value)
        if access is not None and access.client_id == client:
            access.revoked = True
        refresh = state.refresh_tokens.get(value)
        if refresh is not None and refresh.client_id == client:
            refresh.revoked = True
        return json_response(self.revoke_answer)
