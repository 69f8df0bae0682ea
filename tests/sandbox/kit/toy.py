"""A third platform made from the kit alone, as a new emulator folder would make it: a settings
dataclass, a dialect, an authorization server and one endpoint. It shows what the kit gives a
new emulator (the preamble, OAuth, admin API, pages, options and ready line) apart from what X
and Mastodon do their own way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from amplifier.sandbox.kit import oauth
from amplifier.sandbox.kit.dialect import (
    AuthFailure,
    Dialect,
    Emulator,
    RateHeaders,
    RateWindow,
    Snowflake,
    TokenPolicy,
)
from amplifier.sandbox.kit.faults import RateLimits
from amplifier.sandbox.kit.post_pages import post_page
from amplifier.sandbox.kit.preamble import Call, after_accept, endpoint
from amplifier.sandbox.kit.state import HostState
from amplifier.sandbox.kit.web_util import json_response, read_params

HEADERS = RateHeaders("toy-limit", "toy-remaining", "toy-reset", "iso")


@dataclass
class ToySettings:
    client_id: str = field(default="toy-client", metadata={"help": "the one client"})
    client_secret: str = "toy-secret"


class ToyOAuth(oauth.AuthorizationServer):
    authorize_path = "/authorize"
    token_path = "/token"
    revoke_path = "/revoke"
    texts = oauth.GrantTexts(
        bad_code="bad code",
        redirect_mismatch="bad redirect",
        missing_verifier=("invalid_request", "verifier missing"),
        bad_verifier="bad verifier",
        bad_refresh="bad refresh",
        denied="denied",
        unsupported_grant="no {grant_type}",
    )
    revoke_answer: dict[str, Any] = {"gone": True}

    def __init__(self, settings: ToySettings) -> None:
        self.settings = settings
        self.tokens = TokenPolicy("Bearer", 60, refresh_scope="offline")

    def check_authorize(
        self, state: HostState, query: oauth.Query
    ) -> oauth.AuthorizeRequest | web.Response:
        return oauth.AuthorizeRequest(
            client_id=self.settings.client_id,
            app_name="Toy app",
            label="Toy",
            redirect_uri=query.get("redirect_uri", ""),
            state=query.get("state"),
            scopes=query.get("scope", "post").split(),
            code_challenge=query.get("code_challenge"),
            code_challenge_method="S256",
        )

    def authenticate_client(
        self, state: HostState, request: web.Request, params: dict[str, Any]
    ) -> str | oauth.Refusal:
        if (params.get("client_id"), params.get("client_secret")) != (
            self.settings.client_id,
            self.settings.client_secret,
        ):
            return oauth.Refusal("who are you")
        return self.settings.client_id

    def mint_grant(
        self, state: HostState, client_id: str | None, scope: str | None
    ) -> tuple[str, frozenset[str]] | oauth.AdminRefusal:
        return self.settings.client_id, frozenset((scope or "post offline").split())


@endpoint(bearer=True, windows=(RateWindow("posts", "user", HEADERS),), scopes=("post",))
async def create_post(call: Call) -> web.StreamResponse:
    text = str((await read_params(call.request)).get("text", ""))
    if not text:
        return json_response({"problem": "text is empty"}, 400)
    post = call.state.store_post(call.user, text)
    spoiled = await after_accept(call)
    if spoiled is not None:
        return spoiled
    return call.answer({"id": post.id}, 201)


class ToyDialect(Dialect):
    label = "Toy"
    ids = Snowflake()
    post_paths = ("/posts",)

    def __init__(self, settings: ToySettings) -> None:
        self.oauth = ToyOAuth(settings)

    def default_rate_limits(self) -> RateLimits:
        return RateLimits(user_limit=3, user_window_s=60, app_limit=0, app_window_s=60)

    def add_routes(self, app: web.Application) -> None:
        self.oauth.add_routes(app)
        app.router.add_post("/posts", create_post)
        app.router.add_get("/p/{id:\\d+}", post_page)

    def failure(self, status: int, *, stored: bool, headers: dict[str, str]) -> web.Response:
        return json_response({"failed": status, "stored": stored}, status, headers)

    def unauthenticated(self, reason: AuthFailure) -> web.Response:
        return json_response({"why": reason}, 401)

    def rate_limited(self, headers: dict[str, str]) -> web.Response:
        return json_response({"problem": "slow down"}, 429, headers)

    def out_of_scope(self, needed: tuple[str, ...], headers: dict[str, str]) -> web.Response:
        return json_response({"needs": list(needed)}, 403, headers)


TOY = Emulator(
    name="toy",
    label="a toy platform",
    many=False,
    settings=ToySettings,
    dialect=ToyDialect,
    announce=("client_id",),
)
