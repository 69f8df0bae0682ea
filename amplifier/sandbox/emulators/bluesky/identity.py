"""Who an account is: handle, DID, DID document, and where its PDS and authorization server are.

- Handles (https://atproto.com/specs/handle): ``GET /.well-known/atproto-did`` on the handle's
  host answers the DID as text/plain; ``com.atproto.identity.resolveHandle?handle=`` answers
  ``{"did"}``, or 400 ``{"error": "InvalidRequest", "message": "Unable to resolve handle"}``.
- DIDs (https://atproto.com/specs/did): ``did:plc`` documents come from the PLC directory at
  ``GET /{did}`` (served here as its stand-in), with ``alsoKnownAs: ["at://<handle>"]`` and the
  ``#atproto_pds`` service (type ``AtprotoPersonalDataServer``) naming the PDS.
- The PDS's ``/.well-known/oauth-protected-resource`` (RFC 9728) names its authorization server;
  the authorization server's ``/.well-known/oauth-authorization-server`` (RFC 8414) its
  endpoints (https://atproto.com/specs/oauth, "Authorization Servers").

Accounts whose handle is ``NAME.<handle_domain>`` exist as soon as they are asked for (a
sandbox supporter needs no sign-up); any other handle does not resolve.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import TYPE_CHECKING

from aiohttp import web

from amplifier.sandbox.kit.state import HostState, User
from amplifier.sandbox.kit.web_util import host_state, json_response

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.bluesky.dialect import BlueskyDialect

_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?$")


def dialect_of(state: HostState) -> BlueskyDialect:
    return state.dialect  # type: ignore[return-value]


def did_of(state: HostState, user: User) -> str:
    digest = hashlib.sha256(f"{state.config.base_url}|{user.id}".encode()).digest()
    return "did:plc:" + base64.b32encode(digest).decode("ascii").lower()[:24]


def handle_of(state: HostState, user: User) -> str:
    return f"{user.username.lower().replace('_', '-')}.{dialect_of(state).handle_domain}"


def user_by_handle(state: HostState, handle: str) -> User | None:
    """The account of ``handle`` (made on first use under the handle domain), or None."""
    handle = handle.strip().lower().lstrip("@").rstrip(".")
    suffix = "." + dialect_of(state).handle_domain
    if not handle.endswith(suffix):
        return None
    name = handle[: -len(suffix)]
    if not _NAME.match(name):
        return None
    for user in state.users.values():
        if handle_of(state, user) == handle:
            return user
    return state.get_or_create_user(name.replace("-", "_"))


def user_by_did(state: HostState, did: str) -> User | None:
    for user in state.users.values():
        if did_of(state, user) == did:
            return user
    return None


def user_by_actor(state: HostState, actor: str) -> User | None:
    """A repo or actor parameter: a DID or a handle."""
    if actor.startswith("did:"):
        return user_by_did(state, actor)
    return user_by_handle(state, actor)


def xrpc_error(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> (
    web.Response
):  # fmt: skip
    """The XRPC error shape (https://atproto.com/specs/xrpc): ``{"error", "message"}``."""
    return json_response({"error": error, "message": message}, status, headers)


async def well_known_did(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    user = user_by_handle(state, request.host.split(":", 1)[0])
    if user is None:
        return web.Response(status=404, text="no such handle here")
    return web.Response(text=did_of(state, user), content_type="text/plain")


async def resolve_handle(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    handle = request.query.get("handle", "")
    if not handle:
        return xrpc_error(400, "InvalidRequest", 'Error: Params must have the property "handle"')
    user = user_by_handle(state, handle)
    if user is None:
        return xrpc_error(400, "InvalidRequest", "Unable to resolve handle")
    return json_response({"did": did_of(state, user)})


async def did_document(request: web.Request) -> web.StreamResponse:
    state = host_state(request)
    did = request.match_info["did"]
    user = user_by_did(state, did)
    if user is None:
        return json_response({"message": f"DID not registered: {did}"}, 404)
    base = state.config.base_url
    return json_response(
        {
            "@context": [
                "https://www.w3.org/ns/did/v1",
                "https://w3id.org/security/multikey/v1",
            ],
            "id": did,
            "alsoKnownAs": [f"at://{handle_of(state, user)}"],
            "verificationMethod": [],
            "service": [
                {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": base}
            ],
        }
    )


async def protected_resource(request: web.Request) -> web.StreamResponse:
    base = host_state(request).config.base_url
    return json_response(
        {
            "resource": base,
            "authorization_servers": [base],
            "scopes_supported": [],
            "bearer_methods_supported": ["header"],
            "resource_documentation": "https://atproto.com",
        }
    )


async def authorization_server(request: web.Request) -> web.StreamResponse:
    base = host_state(request).config.base_url
    return json_response(
        {
            "issuer": base,
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "pushed_authorization_request_endpoint": f"{base}/oauth/par",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "require_pushed_authorization_requests": True,
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["atproto", "transition:generic", "transition:chat.bsky"],
            "token_endpoint_auth_methods_supported": ["none", "private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
            "dpop_signing_alg_values_supported": ["ES256"],
            "authorization_response_iss_parameter_supported": True,
            "client_id_metadata_document_supported": True,
            "require_request_uri_registration": True,
        }
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/.well-known/atproto-did", well_known_did)
    app.router.add_get("/.well-known/oauth-protected-resource", protected_resource)
    app.router.add_get("/.well-known/oauth-authorization-server", authorization_server)
    app.router.add_get("/xrpc/com.atproto.identity.resolveHandle", resolve_handle)
    app.router.add_get("/{did:did:plc:[a-z2-7]{24}}", did_document)
