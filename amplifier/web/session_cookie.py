"""The owner's login cookie: HttpOnly, SameSite=Lax, and `__Host-` + Secure over https.

HttpOnly keeps page scripts from reading it; SameSite=Lax keeps it off cross-site POSTs (the
CSRF token is the main defence, this a second one); `__Host-` forbids a Domain attribute, so a
sibling subdomain cannot plant or shadow it. Max-Age matches the session row's lifetime.
"""

from __future__ import annotations

from fastapi import Request, Response

from amplifier.runtime import Runtime
from amplifier.web.deps import session_cookie_name


def set_session_cookie(response: Response, rt: Runtime, token: str) -> None:
    response.set_cookie(
        session_cookie_name(rt),
        token,
        max_age=rt.settings.web_session_ttl_s,
        path="/",
        secure=rt.settings.public_url.startswith("https://"),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, rt: Runtime) -> None:
    response.delete_cookie(
        session_cookie_name(rt),
        path="/",
        secure=rt.settings.public_url.startswith("https://"),
        httponly=True,
        samesite="lax",
    )


def session_token(request: Request, rt: Runtime) -> str:
    return request.cookies.get(session_cookie_name(rt), "")
