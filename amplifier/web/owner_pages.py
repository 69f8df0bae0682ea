"""Owner pages: sign up, log in, log out, and the account page (password, API tokens).

The campaign pages live in `owner_campaign_pages` and are included here, so the app includes
one router for everything an owner does on the web. Every page is private to its owner and
never cached; a form with a mistake comes back with the message above it and what was typed
(passwords excepted).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from amplifier.models import Owner
from amplifier.notify.account_mail import request_verification
from amplifier.owners.api_tokens import (
    TokenNameError,
    create_token,
    list_tokens,
    owned_token,
    revoke_token,
)
from amplifier.owners.logins import (
    AccountError,
    EmailTaken,
    change_password,
    check_name,
    check_new_password,
    end_session,
    log_in,
    normalise_email,
    sign_up,
)
from amplifier.owners.logins import start_session as start_login_session
from amplifier.timeutil import utcnow
from amplifier.web import owner_campaign_form, owner_campaign_pages, owner_report
from amplifier.web.deps import MaybeWebOwner, RuntimeDep, SessionDep, WebOwner
from amplifier.web.form_words import FORM, split_field
from amplifier.web.login_redirect import DEFAULT_NEXT, next_or_default, safe_next
from amplifier.web.path_ids import path_id
from amplifier.web.rendering import page
from amplifier.web.session_cookie import clear_session_cookie, session_token, set_session_cookie

router = APIRouter(include_in_schema=False)
router.include_router(owner_campaign_form.router)  # before /owner/campaigns/{id}: "new"
router.include_router(owner_campaign_pages.router)
router.include_router(owner_report.router)

# Generous caps, above the rules' own limits (so those are told on the form): beyond them
# only a forged request goes, and it gets the generic "Please check the form" page.
Email = Annotated[str, Form(max_length=1_000)]
Name = Annotated[str, Form(max_length=1_000)]
Password = Annotated[str, Form(max_length=4_096)]
NextPath = Annotated[str, Form(max_length=4_000)]


def private_page(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page for one owner's eyes: never stored by a browser or proxy cache."""
    response = page(request, template, status_code, **context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


# --- sign up, log in, log out -------------------------------------------------------------------


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, owner: MaybeWebOwner) -> Response:
    if owner is not None:
        return _redirect(DEFAULT_NEXT)
    return private_page(request, "owner/signup.html", email="", owner_name="", errors={})


@router.post("/signup", response_class=HTMLResponse)
def signup(
    request: Request,
    session: SessionDep,
    rt: RuntimeDep,
    email: Email = "",
    name: Name = "",
    password: Password = "",
    password_again: Password = "",
) -> Response:
    kept = {"email": email[:254], "owner_name": name[:200]}

    def again(error: str, code: int = 400, field: str | None = None) -> HTMLResponse:
        where, words = split_field(error, ("email", "name", "password"))
        errors = {field or where: words}
        return private_page(request, "owner/signup.html", code, errors=errors, **kept)

    # every mistake at once, not one per round (each check raises AccountError)
    found: dict[str, str] = {}
    for check, value in (
        (normalise_email, email),
        (check_name, name),
        (check_new_password, password),
    ):
        try:
            check(value)
        except AccountError as exc:
            where, words = split_field(str(exc), ("email", "name", "password"))
            found.setdefault(where, words)
    if password != password_again:
        found.setdefault("password_again", "The two passwords differ: type the same one twice.")
    if found:
        return private_page(request, "owner/signup.html", 400, errors=found, **kept)
    now = utcnow()
    try:
        owner = sign_up(session, email=email, name=name, password=password, now=now)
    except AccountError as exc:
        return again(str(exc), 409 if isinstance(exc, EmailTaken) else 400)
    assert owner.id is not None
    request_verification(session, owner, settings=rt.settings, now=now)  # mails the link
    end_session(session, session_token(request, rt))  # whoever was logged in here before
    token = start_login_session(
        session, owner_id=owner.id, now=now, ttl_s=rt.settings.web_session_ttl_s
    )
    response = _redirect(DEFAULT_NEXT)
    set_session_cookie(response, rt, token)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, owner: MaybeWebOwner, next: str = "") -> Response:
    if owner is not None:
        return _redirect(next_or_default(next, admin=owner.is_admin))
    return private_page(
        request, "owner/login.html", email="", next=safe_next(next) or "", error=None
    )


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    rt: RuntimeDep,
    email: Email = "",
    password: Password = "",
    next: NextPath = "",
) -> Response:
    logged_in = log_in(
        session,
        email=email,
        password=password,
        now=utcnow(),
        ttl_s=rt.settings.web_session_ttl_s,
    )
    if logged_in is None:
        return private_page(
            request,
            "owner/login.html",
            status.HTTP_401_UNAUTHORIZED,
            email=email[:254],
            next=safe_next(next) or "",
            error="Wrong email or password. Check both and try again.",
        )
    end_session(session, session_token(request, rt))  # this browser's previous login ends
    response = _redirect(next_or_default(next, admin=logged_in[0].is_admin))
    set_session_cookie(response, rt, logged_in[1])
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, rt: RuntimeDep) -> Response:
    end_session(session, session_token(request, rt))
    response = _redirect("/login")
    clear_session_cookie(response, rt)
    return response


@router.get("/logout")
@router.get("/account/password")
@router.get("/account/tokens")
def account_form_address() -> RedirectResponse:
    """These addresses only take their form's POST; a reload after sending the form, or a
    bookmark, lands on the account page holding the form (logging nobody out, changing
    nothing), not on the supporters' "start from the signup link" 405 page."""
    return _redirect("/account")


# --- the account page: password and API tokens -------------------------------------------------


def _account_page(
    request: Request,
    session: Session,
    owner: Owner,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    assert owner.id is not None
    values: dict[str, Any] = {
        "password_errors": {},
        "password_changed": False,
        "token_error": None,
        "token_name": "",
        "new_token": None,
        "new_token_name": None,
    }
    values.update(context)
    return private_page(
        request,
        "owner/account.html",
        status_code,
        owner=owner,
        tokens=list_tokens(session, owner_id=owner.id),
        **values,
    )


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, session: SessionDep, owner: WebOwner) -> HTMLResponse:
    return _account_page(request, session, owner)


@router.post("/account/password", response_class=HTMLResponse)
def account_password(
    request: Request,
    session: SessionDep,
    rt: RuntimeDep,
    owner: WebOwner,
    current_password: Password = "",
    new_password: Password = "",
    new_password_again: Password = "",
) -> HTMLResponse:
    if new_password != new_password_again:
        return _account_page(
            request,
            session,
            owner,
            400,
            password_errors={
                "new_password_again": "The two passwords differ: type the same one twice."
            },
        )
    try:
        token = change_password(
            session,
            owner=owner,
            current=current_password,
            new=new_password,
            now=utcnow(),
            ttl_s=rt.settings.web_session_ttl_s,
        )
    except AccountError as exc:
        where, words = split_field(str(exc), ("current password", "password"))
        field = {"current password": "current_password", "password": "new_password"}.get(where)
        return _account_page(request, session, owner, 400, password_errors={field or FORM: words})
    response = _account_page(request, session, owner, password_changed=True)
    set_session_cookie(response, rt, token)
    return response


@router.post("/account/tokens", response_class=HTMLResponse)
def account_new_token(
    request: Request, session: SessionDep, owner: WebOwner, name: Name = ""
) -> HTMLResponse:
    assert owner.id is not None
    try:
        token = create_token(session, owner_id=owner.id, name=name)
    except TokenNameError as exc:
        return _account_page(
            request,
            session,
            owner,
            400,
            token_error=split_field(str(exc), ("name",))[1],
            token_name=name[:200],
        )
    return _account_page(request, session, owner, new_token=token, new_token_name=name.strip())


@router.post("/account/tokens/{token_id}/revoke")
def account_revoke_token(token_id: str, session: SessionDep, owner: WebOwner) -> RedirectResponse:
    assert owner.id is not None
    wanted = path_id(token_id)
    row = owned_token(session, owner_id=owner.id, token_id=wanted) if wanted else None
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    revoke_token(session, token=row, now=utcnow())
    return _redirect("/account")
