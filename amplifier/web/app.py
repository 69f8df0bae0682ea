"""The FastAPI application: owner API under /api (OpenAPI at /docs), supporter pages elsewhere.

Errors are answered, never leaked: validation problems become a 422 whose `message` names the
field and the rule, a refused pledge becomes a page that says what happened and what to do.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from swagger_ui_bundle import swagger_ui_path

from amplifier.db import check_migrated
from amplifier.logging_setup import configure_logging
from amplifier.pledges.pledging import PledgeRefused
from amplifier.runtime import Runtime, get_runtime
from amplifier.web import (
    account_mail_pages,
    admin,
    api,
    api_tokens,
    image_api,
    intent_pages,
    intents_api,
    live_state,
    mail_pages,
    metrics_page,
    outgoing,
    owner_image_pages,
    owner_pages,
    owner_updates_pages,
    pages,
    platform_documents,
    reconnect_pages,
    security,
    updates_api,
)
from amplifier.web.deps import LoginRequired
from amplifier.web.errors import status_for
from amplifier.web.form_words import plain_problem
from amplifier.web.page_cache import PageCache
from amplifier.web.rendering import message_page
from amplifier.web.security.headers import SWAGGER_ASSETS
from amplifier.web.security.ratelimit import RateLimiter
from amplifier.web.supporter_links import RefusedWithBackLink

log = logging.getLogger(__name__)


def _describe_error(error: dict[str, Any]) -> str:
    kind = error.get("type")
    raw_loc = tuple(error.get("loc", ()))
    if kind == "json_invalid":
        reason = str((error.get("ctx") or {}).get("error", "")).strip() or "cannot be parsed"
        position = raw_loc[1] if len(raw_loc) > 1 else None
        where = f" at character {position}" if isinstance(position, int) else ""
        return f"the request body is not valid JSON ({reason}{where})"
    if raw_loc == ("body",):
        if kind == "missing":
            return "the request body is empty: send a JSON object (Content-Type: application/json)"
        if kind in ("model_attributes_type", "dict_type", "model_type"):
            return "the request body must be a JSON object"
    loc = [str(part) for part in raw_loc if part not in ("body", "query", "path")]
    where = ".".join(loc)
    msg = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def create_app(runtime: Runtime | None = None, *, check_schema: bool = True) -> FastAPI:
    rt = runtime or get_runtime()
    configure_logging(rt.settings.log_level, rt.settings.log_format)
    if check_schema:
        check_migrated(rt.db)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        limiter: RateLimiter = app.state.rate_limiter
        await limiter.aclose()

    app = FastAPI(
        title="amplifier",
        summary="Schedule a blast: supporters donate one post each, released at the same instant.",
        version="0.1.0",
        docs_url=None,  # served below with a CSP of its own
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = rt
    app.state.rate_limiter = security.install(
        app, rt.settings, back_link=pages.page_of_refused_form
    )
    policy: security.HeaderPolicy = app.state.header_policy
    app.add_middleware(metrics_page.RequestTimer)  # outermost: times what a client waits
    app.state.page_cache = PageCache(rt.settings.web_page_cache_s)
    outgoing.install(app, rt.settings.web_platform_calls)  # a slow platform cannot hold them all
    app.include_router(api.router)
    app.include_router(image_api.router)
    app.include_router(owner_image_pages.router)
    app.include_router(api_tokens.router)
    app.include_router(admin.api_router)
    app.include_router(pages.router)
    app.include_router(intent_pages.router)
    app.include_router(intents_api.router)
    app.include_router(reconnect_pages.router)
    app.include_router(live_state.router)
    app.include_router(owner_pages.router)
    app.include_router(owner_updates_pages.router)
    app.include_router(admin.pages_router)
    app.include_router(mail_pages.router)
    app.include_router(platform_documents.router)
    app.include_router(mail_pages.api_router)
    app.include_router(account_mail_pages.router)
    app.include_router(updates_api.router)
    app.include_router(metrics_page.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.mount(SWAGGER_ASSETS, StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return security.docs_page("/openapi.json", f"{app.title} - API")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:  # on the event loop: the trivial baseline
        return {"status": "ok"}

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if not request.url.path.startswith("/api"):  # a person reads it: plain words
            words = " ".join(plain_problem(e)[1] for e in exc.errors())
            return message_page(
                request,
                "Please check the form",
                f"{words} Nothing was recorded: go back, correct it and send the form again.",
                422,
            )
        problems = [_describe_error(e) for e in exc.errors()]
        return JSONResponse(
            status_code=422,
            content={
                "message": "; ".join(problems),
                "detail": [
                    {"field": ".".join(str(p) for p in e.get("loc", ())), "message": m}
                    for e, m in zip(exc.errors(), problems, strict=True)
                ],
            },
        )

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?{urlencode({'next': exc.next_path})}", status_code=303)

    @app.exception_handler(PledgeRefused)
    async def pledge_refused(request: Request, exc: PledgeRefused) -> HTMLResponse:
        if isinstance(exc, RefusedWithBackLink):
            return message_page(
                request,
                exc.title,
                exc.message,
                status_for(exc),
                back_url=exc.back_url,
                back_label=exc.back_label,
            )
        return message_page(request, exc.title, exc.message, status_for(exc))

    @app.exception_handler(OverflowError)
    async def out_of_range(request: Request, exc: OverflowError) -> Response:
        # e.g. a date of year 1 at +04:17 that no longer exists in UTC: a request's mistake, not
        # ours. (CampaignCreate should refuse such dates itself; this keeps it a 4xx anyway.)
        log.warning("out-of-range value in %s %s: %s", request.method, request.url.path, exc)
        message = (
            "a date or number in the request is out of range: dates must fall between the "
            "years 1 and 9999 once converted to UTC"
        )
        if request.url.path.startswith("/api"):
            return JSONResponse({"message": message, "detail": message}, status_code=422)
        return message_page(request, "Please check the form", message, 422)

    @app.exception_handler(DataError)
    async def unstorable(request: Request, exc: DataError) -> Response:
        # The database refused a value the request carried (PostgreSQL: a NUL character in
        # text, a number beyond the column): the request's mistake, answered as such.
        log.warning(
            "database refused a value from %s %s: %s", request.method, request.url.path, exc.orig
        )
        if "NUL" in str(exc.orig):
            message = "text in the request contains the NUL character (\\u0000): remove it"
        else:
            message = "a value in the request is out of range or cannot be stored"
        if request.url.path.startswith("/api"):
            return JSONResponse({"message": message, "detail": message}, status_code=422)
        return message_page(
            request,
            "This address or form cannot be read",
            f"{message[:1].upper()}{message[1:]}. Nothing was recorded; check the link or "
            "form and try again.",
            400,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        message = "Something went wrong on our side and this request was not completed."
        response: Response
        if request.url.path.startswith("/api"):
            response = JSONResponse({"message": message, "detail": message}, status_code=500)
        else:
            response = message_page(
                request, "Something went wrong", message + " Please try again in a moment.", 500
            )
        policy.apply(response, request.url.path)  # answered outside the middlewares
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api") or request.url.path.startswith("/docs"):
            return JSONResponse(
                {"message": exc.detail, "detail": exc.detail},
                status_code=exc.status_code,
                headers=getattr(exc, "headers", None),
            )
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 404:
            return message_page(
                request,
                "Not found",
                "No page has this address. Check the link you were given; a campaign's signup "
                "link looks like /c/its-name.",
                404,
                back_url="/",
                back_label="What is amplifier?",
            )
        if exc.status_code == 405:
            return message_page(
                request,
                "This address is reached from a form",
                "It cannot be opened directly. Start from the campaign's signup link; "
                "nothing was recorded.",
                405,
                back_url="/",
                back_label="What is amplifier?",
                headers=headers,
            )
        return message_page(request, "Error", str(exc.detail), exc.status_code, headers=headers)

    return app
