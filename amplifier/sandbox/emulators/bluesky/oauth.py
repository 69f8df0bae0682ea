"""The AT Protocol OAuth authorization server (https://atproto.com/specs/oauth), on the kit's.

What it adds to the kit's OAuth 2.0 server:

- **PAR** (RFC 9126), required: ``POST /oauth/par`` with ``response_type=code``, ``client_id``
  (the URL of the client's metadata document, fetched here), ``redirect_uri`` (one of the
  document's), ``scope`` (with ``atproto``), ``state``, ``code_challenge`` with
  ``code_challenge_method=S256`` (the only one), the client's ``private_key_jwt`` assertion and
  a DPoP proof → 201 ``{"request_uri", "expires_in"}``. The authorize page then takes only
  ``client_id`` and ``request_uri``; the redirect back carries ``code``, ``state`` and ``iss``.
- **DPoP** (RFC 9449) on PAR and on the token endpoint: a proof without the server's nonce is
  answered 400 ``{"error": "use_dpop_nonce"}`` with a ``DPoP-Nonce`` header; a replayed proof
  is refused; the session's key is the PAR's: the code and every refresh must come with it.
- **Client authentication** ``private_key_jwt`` (RFC 7523): ``client_assertion_type``
  ``urn:ietf:params:oauth:client-assertion-type:jwt-bearer``, an ES256 JWT whose ``iss`` and
  ``sub`` are the client id, ``aud`` the issuer, with ``jti``, ``iat`` and ``exp``, signed by a
  key of the document's ``jwks`` or ``jwks_uri``.
- The token answer: ``token_type`` ``DPoP``, ``sub`` (the account's DID), refresh rotation.
"""

from __future__ import annotations

import contextvars
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiohttp import web

from amplifier.sandbox.emulators.bluesky.dpop import (
    PUBLIC_MEMBERS,
    NonceNeeded,
    ProofChecker,
    ProofError,
    b64url_decode,
    verify_es256,
)
from amplifier.sandbox.emulators.bluesky.identity import did_of
from amplifier.sandbox.kit.dialect import TokenPolicy
from amplifier.sandbox.kit.oauth import (
    NO_STORE,
    AdminRefusal,
    AuthorizationServer,
    AuthorizeRequest,
    GrantTexts,
    Query,
    Refusal,
    oauth_error,
)
from amplifier.sandbox.kit.state import HostState
from amplifier.sandbox.kit.web_util import host_state, json_response, read_params, with_query

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PAR_TTL_S = 300
FETCH_TIMEOUT_S = 5.0
SCOPES = ("atproto", "transition:generic")
_JKT: contextvars.ContextVar[str] = contextvars.ContextVar("bluesky_jkt", default="")


@dataclass
class Pushed:
    client_id: str
    redirect_uri: str
    state: str
    scopes: list[str]
    challenge: str
    jkt: str
    expires_at: float
    app_name: str


class AtprotoAuthorizationServer(AuthorizationServer):
    authorize_path = "/oauth/authorize"
    token_path = "/oauth/token"
    revoke_path = "/oauth/revoke"
    revoke_answer: dict[str, Any] = {}
    texts = GrantTexts(
        bad_code="Invalid code",
        redirect_mismatch="This code was issued for another redirect_uri",
        missing_verifier=("invalid_grant", "code_verifier is required"),
        bad_verifier="Invalid code_verifier",
        bad_refresh="Invalid refresh token",
        denied="Access denied",
        unsupported_grant='Unsupported grant_type "{grant_type}"',
    )

    def __init__(self, token_ttl: int) -> None:
        self.tokens = TokenPolicy(token_type="DPoP", ttl_s=token_ttl, refresh_scope="atproto")
        self.proofs = ProofChecker()
        self.pushed: dict[str, Pushed] = {}
        self.code_jkt: dict[str, str] = {}
        self.refresh_jkt: dict[str, str] = {}
        self.access_jkt: dict[str, str] = {}
        self.client_keys: dict[str, list[dict[str, Any]]] = {}
        self.client_names: dict[str, str] = {}
        self.assertions_seen: set[str] = set()

    def add_routes(self, app: web.Application) -> None:
        super().add_routes(app)
        app.router.add_post("/oauth/par", self.par)

    # ---- DPoP at the authorization server ----------------------------------------------------

    def nonce_headers(self) -> dict[str, str]:
        return {"DPoP-Nonce": self.proofs.nonce(), **NO_STORE}

    def _proof(self, state: HostState, request: web.Request) -> str | web.Response:
        url = state.config.base_url + request.path
        try:
            return self.proofs.check(request.headers.get("DPoP"), method=request.method, url=url)
        except NonceNeeded:
            return json_response(
                {
                    "error": "use_dpop_nonce",
                    "error_description": "Authorization server requires nonce in DPoP proof",
                },
                400,
                self.nonce_headers(),
            )
        except ProofError as exc:
            return json_response(
                {"error": "invalid_dpop_proof", "error_description": str(exc)},
                400,
                self.nonce_headers(),
            )

    # ---- client metadata and private_key_jwt --------------------------------------------------

    async def _fetch_json(self, url: str) -> Any:
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as answer:
            if answer.status != 200:
                raise ValueError(f"{url} answered {answer.status}")
            return await answer.json(content_type=None)

    async def _client_document(self, client_id: str) -> dict[str, Any] | str:
        """The client's metadata document, its keys remembered; or why it cannot be used."""
        if urlsplit(client_id).scheme not in ("http", "https"):
            return "client_id must be the URL of the client metadata document"
        try:
            document = await self._fetch_json(client_id)
            if not isinstance(document, dict) or document.get("client_id") != client_id:
                return "the client metadata document does not name this client_id"
            keys = document.get("jwks")
            if keys is None and isinstance(document.get("jwks_uri"), str):
                keys = await self._fetch_json(document["jwks_uri"])
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            return f"the client metadata could not be fetched: {exc}"
        if document.get("token_endpoint_auth_method") != "private_key_jwt":
            return "only confidential clients (private_key_jwt) are accepted here"
        if document.get("dpop_bound_access_tokens") is not True:
            return "dpop_bound_access_tokens must be true"
        found = keys.get("keys") if isinstance(keys, dict) else None
        if not isinstance(found, list) or not found:
            return "the client metadata has no jwks"
        self.client_keys[client_id] = [k for k in found if isinstance(k, dict)]
        self.client_names[client_id] = str(document.get("client_name") or client_id)
        return document

    def authenticate_client(
        self, state: HostState, request: web.Request, params: dict[str, Any]
    ) -> str | Refusal:
        client_id = str(params.get("client_id", ""))
        if params.get("client_assertion_type") != ASSERTION_TYPE:
            return Refusal("client authentication (private_key_jwt) is required")
        assertion = str(params.get("client_assertion", ""))
        try:
            header = verify_es256(assertion, self._key(client_id, assertion))[1]
        except ProofError as exc:
            return Refusal(f"invalid client assertion: {exc}")
        now = time.time()
        if header.get("iss") != client_id or header.get("sub") != client_id:
            return Refusal("the client assertion's iss and sub must be the client_id")
        if header.get("aud") != state.config.base_url:
            return Refusal("the client assertion's aud must be the issuer")
        jti, exp = header.get("jti"), header.get("exp")
        if not isinstance(exp, int | float) or exp < now or not isinstance(jti, str) or not jti:
            return Refusal("the client assertion is expired or has no jti")
        if jti in self.assertions_seen:
            return Refusal("the client assertion was used already")
        self.assertions_seen.add(jti)
        return client_id

    def _key(self, client_id: str, assertion: str) -> dict[str, Any]:
        keys = self.client_keys.get(client_id) or []
        try:  # the header, unverified, for its kid
            kid = json.loads(b64url_decode(assertion.split(".")[0])).get("kid")
        except (ValueError, AttributeError):
            kid = None
        for key in keys:
            if kid is None or key.get("kid") == kid:
                return {k: v for k, v in key.items() if k in PUBLIC_MEMBERS}
        raise ProofError("no key of the client's jwks matches the assertion")

    # ---- PAR ------------------------------------------------------------------------------------

    async def par(self, request: web.Request) -> web.StreamResponse:
        state = host_state(request)
        jkt = self._proof(state, request)
        if isinstance(jkt, web.Response):
            return jkt
        try:
            params = await read_params(request)
        except ValueError as exc:
            return oauth_error(400, "invalid_request", str(exc))
        client_id = str(params.get("client_id", ""))
        document = await self._client_document(client_id)
        if isinstance(document, str):
            return oauth_error(400, "invalid_client_metadata", document)
        client = self.authenticate_client(state, request, params)
        if isinstance(client, Refusal):
            return oauth_error(401, "invalid_client", client.description)
        problem = _par_problem(params, document)
        if problem:
            return oauth_error(400, "invalid_request", problem)
        request_uri = "urn:ietf:params:oauth:request_uri:req-" + secrets.token_hex(16)
        self.pushed[request_uri] = Pushed(
            client_id=client_id,
            redirect_uri=str(params["redirect_uri"]),
            state=str(params["state"]),
            scopes=str(params["scope"]).split(),
            challenge=str(params["code_challenge"]),
            jkt=jkt,
            expires_at=time.time() + PAR_TTL_S,
            app_name=self.client_names[client_id],
        )
        answer = {"request_uri": request_uri, "expires_in": PAR_TTL_S}
        return json_response(answer, 201, self.nonce_headers())

    # ---- the authorize page ---------------------------------------------------------------------

    def check_authorize(self, state: HostState, query: Query) -> AuthorizeRequest | web.Response:
        from amplifier.sandbox.kit.authorize_page import error_page

        pushed = self.pushed.get(query.get("request_uri", ""))
        if pushed is None or pushed.expires_at < time.time():
            return error_page(
                "Invalid request", "This authorization request is unknown or expired."
            )
        if query.get("client_id") != pushed.client_id:
            return error_page("Invalid request", "client_id does not match the pushed request.")
        return AuthorizeRequest(
            client_id=pushed.client_id,
            app_name=pushed.app_name,
            label="Bluesky",
            redirect_uri=pushed.redirect_uri,
            state=pushed.state,
            scopes=pushed.scopes,
            code_challenge=pushed.challenge,
            code_challenge_method="S256",
        )

    async def authorize_post(self, request: web.Request) -> web.StreamResponse:
        """The kit's consent, then the code bound to the PAR's DPoP key, with ``iss``."""
        state = host_state(request)
        request_uri = request.query.get("request_uri", "")
        try:
            return await super().authorize_post(request)
        except web.HTTPFound as found:
            location = str(found.location)
            pushed = self.pushed.pop(request_uri, None)
            code = parse_qs(urlsplit(location).query).get("code", [""])[0]
            if pushed is not None and code:
                self.code_jkt[code] = pushed.jkt
            raise web.HTTPFound(with_query(location, {"iss": state.config.base_url})) from None

    # ---- tokens ---------------------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.StreamResponse:
        state = host_state(request)
        jkt = self._proof(state, request)
        if isinstance(jkt, web.Response):
            return jkt
        reset = _JKT.set(jkt)
        try:
            answer = await super().token(request)
        finally:
            _JKT.reset(reset)
        answer.headers["DPoP-Nonce"] = self.proofs.nonce()
        return answer

    def _exchange_code(
        self, state: HostState, client_id: str, params: dict[str, Any]
    ) -> web.Response:
        bound = self.code_jkt.get(str(params.get("code", "")))
        if bound is not None and bound != _JKT.get():
            return oauth_error(400, "invalid_dpop_proof", "DPoP key mismatch")
        return super()._exchange_code(state, client_id, params)

    def _refresh(self, state: HostState, client_id: str, params: dict[str, Any]) -> web.Response:
        bound = self.refresh_jkt.get(str(params.get("refresh_token", "")))
        if bound is not None and bound != _JKT.get():
            return oauth_error(400, "invalid_dpop_proof", "DPoP key mismatch")
        return super()._refresh(state, client_id, params)

    def issue(
        self, state: HostState, user_id: str | None, client_id: str, scopes: frozenset[str]
    ) -> dict[str, Any]:
        """The kit's token answer with ``sub``, the account's DID."""
        body = super().issue(state, user_id, client_id, scopes)
        user = state.users.get(user_id or "")
        if user is not None:
            body["sub"] = did_of(state, user)
        return body

    def token_answer(
        self, state: HostState, user_id: str | None, client_id: str, scopes: frozenset[str]
    ) -> web.Response:
        body = self.issue(state, user_id, client_id, scopes)
        jkt = _JKT.get()
        self.access_jkt[body["access_token"]] = jkt
        if "refresh_token" in body:
            self.refresh_jkt[body["refresh_token"]] = jkt
        return json_response(body, 200, NO_STORE)

    def mint_grant(
        self, state: HostState, client_id: str | None, scope: str | None
    ) -> tuple[str, frozenset[str]] | AdminRefusal:
        return client_id or "sandbox-client", frozenset((scope or " ".join(SCOPES)).split())


def _par_problem(params: dict[str, Any], document: dict[str, Any]) -> str | None:
    if params.get("response_type") != "code":
        return 'response_type must be "code"'
    if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
        return "PKCE with code_challenge_method S256 is required"
    redirect = params.get("redirect_uri")
    if redirect not in (document.get("redirect_uris") or []):
        return "redirect_uri is not one of the client's redirect_uris"
    if "atproto" not in str(params.get("scope", "")).split():
        return 'scope must include "atproto"'
    if not params.get("state"):
        return "state is required"
    return None
