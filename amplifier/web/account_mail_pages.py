"""Owners' mail links and forms: address verification, change of address, password reset.

    GET  /verify-email/{token}          confirms the address the link was sent to
    POST /account/email                 a new address, verified at the new address first
    POST /account/email/verify          sends the verification link again
    GET/POST /password-reset            asks for a link (the same answer whether or not an
                                        account has the address: no way to probe for accounts)
    GET/POST /password-reset/{token}    the new password; once per link; every session ends

A wrong, used or expired link gets a plain page saying so and what to do, never a 500.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from amplifier.notify.account_mail import (
    confirm_address,
    owner_for_reset,
    request_address_change,
    request_reset,
    request_verification,
    reset_password,
)
from amplifier.notify.links import LinkExpired, LinkInvalid
from amplifier.owners.logins import AccountError, EmailTaken
from amplifier.timeutil import utcnow
from amplifier.web.deps import RuntimeDep, SessionDep, WebOwner
from amplifier.web.rendering import message_page, page

router = APIRouter(include_in_schema=False)
Email = Annotated[str, Form(max_length=1_000)]
Password = Annotated[str, Form(max_length=4_096)]


def _private(response: HTMLResponse) -> HTMLResponse:
    response.headers["Cache-Control"] = "no-store"
    return response


def _bad_link(request: Request, exc: LinkInvalid, what: str, again_url: str) -> HTMLResponse:
    expired = isinstance(exc, LinkExpired)
    return _private(
        message_page(
            request,
            f"This {what} link has expired" if expired else f"This {what} link does not work",
            (
                "Links in our mails work for a limited time. Ask for a new one."
                if expired
                else "The link is incomplete, was altered, or has been used already. Check that "
                "you opened all of it, or ask for a new one."
            ),
            400,
            back_url=again_url,
            back_label="Ask for a new link",
        )
    )


@router.get("/verify-email/{token}", response_class=HTMLResponse)
def verify_email(request: Request, token: str, session: SessionDep, rt: RuntimeDep) -> Response:
    try:
        owner = confirm_address(session, token, key=rt.settings.signing_secret(), now=utcnow())
    except LinkInvalid as exc:
        return _bad_link(request, exc, "confirmation", "/account")
    except EmailTaken as exc:
        return _private(message_page(request, "Address taken", str(exc), 409, back_url="/account"))
    return _private(
        message_page(
            request,
            "Address confirmed",
            f"{owner.email} is confirmed: notices about your campaigns will be sent there.",
            200,
            back_url="/owner",
            back_label="Your campaigns",
        )
    )


@router.post("/account/email", response_class=HTMLResponse)
def change_email(
    request: Request, session: SessionDep, rt: RuntimeDep, owner: WebOwner, email: Email = ""
) -> Response:
    try:
        address = request_address_change(session, owner, email, settings=rt.settings, now=utcnow())
    except AccountError as exc:
        return _private(
            message_page(
                request,
                "Please check the address",
                str(exc),
                400,
                back_url="/account",
                back_label="Back to your account",
            )
        )
    return _private(
        message_page(
            request,
            "Check your new address",
            f"We sent a link to {address}. Your address changes when you open it; until then "
            "mail keeps going to the old one.",
            200,
            back_url="/account",
            back_label="Back to your account",
        )
    )


@router.post("/account/email/verify")
def resend_verification(session: SessionDep, rt: RuntimeDep, owner: WebOwner) -> Response:
    request_verification(session, owner, settings=rt.settings, now=utcnow())
    return RedirectResponse("/account?verification=sent", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/password-reset", response_class=HTMLResponse)
def reset_request_form(request: Request) -> HTMLResponse:
    return _private(page(request, "mail/reset_request.html", email="", sent=False))


@router.post("/password-reset", response_class=HTMLResponse)
def reset_request(
    request: Request, session: SessionDep, rt: RuntimeDep, email: Email = ""
) -> HTMLResponse:
    request_reset(session, email, settings=rt.settings, now=utcnow())
    return _private(page(request, "mail/reset_request.html", email=email[:254], sent=True))


@router.get("/password-reset/{token}", response_class=HTMLResponse)
def reset_form(request: Request, token: str, session: SessionDep, rt: RuntimeDep) -> HTMLResponse:
    try:
        owner_for_reset(session, token, key=rt.settings.signing_secret(), now=utcnow())
    except LinkInvalid as exc:
        return _bad_link(request, exc, "password reset", "/password-reset")
    return _private(page(request, "mail/reset_form.html", error=None))


@router.post("/password-reset/{token}", response_class=HTMLResponse)
def reset(
    request: Request,
    token: str,
    session: SessionDep,
    rt: RuntimeDep,
    password: Password = "",
    password_again: Password = "",
) -> HTMLResponse:
    key = rt.settings.signing_secret()
    try:
        owner_for_reset(session, token, key=key, now=utcnow())
        if password != password_again:
            raise AccountError("password: the two passwords differ; type the same one twice")
        reset_password(session, token, password, key=key, now=utcnow())
    except LinkInvalid as exc:
        return _bad_link(request, exc, "password reset", "/password-reset")
    except AccountError as exc:
        return _private(page(request, "mail/reset_form.html", 400, error=str(exc)))
    return _private(
        message_page(
            request,
            "Password changed",
            "Your new password is set, and every browser that was logged in as you is logged "
            "out. Log in with the new password.",
            200,
            back_url="/login",
            back_label="Log in",
        )
    )
