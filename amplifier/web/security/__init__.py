"""The web app's defences, wired by `install`: outermost first,

1. `SecurityHeadersMiddleware` — CSP, nosniff, frame and referrer policy, HSTS on https;
2. `RateLimitMiddleware` — per-address limits on pledging, logins, sign-ups and the owner
   API's writes (Redis);
3. `BodyLimitMiddleware` — bodies read whole up to a limit (64 KiB forms, 256 KiB API), else 413;
4. `CsrfMiddleware` — every POST outside /api needs the form token derived from its cookie.

Each refuses with a page that says what happened and what to do, or JSON under /api.
"""

from __future__ import annotations

from fastapi import FastAPI

from amplifier.web.rendering import templates
from amplifier.web.security.body import BodyLimitMiddleware
from amplifier.web.security.csrf import BackLink, CsrfMiddleware, csrf_field
from amplifier.web.security.headers import HeaderPolicy, SecurityHeadersMiddleware, docs_page
from amplifier.web.security.ratelimit import (
    ClientAddresses,
    RateLimiter,
    RateLimitMiddleware,
    limiter_from_settings,
    rules_from_settings,
)
from config.settings import Settings

__all__ = ["HeaderPolicy", "docs_page", "install"]


def install(app: FastAPI, settings: Settings, *, back_link: BackLink | None = None) -> RateLimiter:
    """Add the middlewares to `app`; returns the rate limiter (close it at shutdown)."""
    https = settings.public_url.startswith("https://")
    templates.env.globals["csrf_field"] = csrf_field
    limiter = limiter_from_settings(settings)
    policy = HeaderPolicy.from_settings(settings)
    app.state.header_policy = policy
    # add_middleware puts each one outside the ones added before it
    app.add_middleware(
        CsrfMiddleware, key=settings.signing_secret(), https=https, back_link=back_link
    )
    app.add_middleware(
        BodyLimitMiddleware,
        form_bytes=settings.web_max_form_bytes,
        api_bytes=settings.web_max_api_bytes,
    )
    app.add_middleware(
        RateLimitMiddleware,
        rules=rules_from_settings(settings),
        limiter=limiter,
        addresses=ClientAddresses.from_settings(settings),
        namespace=settings.public_url,
    )
    app.add_middleware(SecurityHeadersMiddleware, policy=policy)
    return limiter
