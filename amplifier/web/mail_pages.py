"""Mail's pages: the development mailbox, and unsubscribing (a page, and RFC 8058's one click).

    GET  /dev/mailbox, /dev/mailbox/{name}   development only (404 in production)
    GET  /unsubscribe/{token}                says what the link stops, with a button
    POST /unsubscribe/{token}                the button (a CSRF-protected form)
    POST /api/unsubscribe/{token}            one-click (RFC 8058 §3.1): no cookie, no form token;
                                             the signed token is the authority. Under /api so
                                             the CSRF middleware lets it through, as it does
                                             for Bearer-authenticated calls.
A wrong or altered link gets a plain page (or a 400 with a message), never a 500.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup, escape
from sqlmodel import Session, col, update

from amplifier.models import Pledge
from amplifier.notify.links import LinkInvalid, read_token
from amplifier.notify.mailbox import list_mails, mailbox_dir, read_mail, text_of
from amplifier.notify.messages import RECEIPTS, UPDATES
from amplifier.timeutil import utcnow
from amplifier.web.deps import RuntimeDep, SessionDep
from amplifier.web.rendering import message_page, page

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["mail"])
_MAX_TOKEN = 400  # links.read_token refuses longer ones
_URL = re.compile(r"https?://[^\s<>\"]+")
_STREAM_WORDS = {RECEIPTS: "receipts about your pledge", UPDATES: "the campaign owner's updates"}


# --- development mailbox ----------------------------------------------------------------------


def _dev_only(rt: RuntimeDep) -> None:
    if rt.settings.env == "production":
        raise HTTPException(status.HTTP_404_NOT_FOUND)


@router.get("/dev/mailbox", response_class=HTMLResponse)
def mailbox(request: Request, rt: RuntimeDep) -> HTMLResponse:
    _dev_only(rt)
    directory = mailbox_dir(rt.settings)
    return page(request, "mail/mailbox.html", mails=list_mails(directory), where=str(directory))


def _linked(text: str) -> Markup:
    """The plain-text part with its links clickable (everything else escaped)."""
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(escape(text[last : match.start()]))
        url = match.group(0)
        out.append(Markup('<a href="{}">{}</a>').format(url, url))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


@router.get("/dev/mailbox/{name}", response_class=HTMLResponse)
def mailbox_message(request: Request, name: str, rt: RuntimeDep) -> HTMLResponse:
    _dev_only(rt)
    message = read_mail(mailbox_dir(rt.settings), name)
    if message is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    headers = [
        (h, str(message[h]))
        for h in ("From", "To", "Subject", "Date", "List-Unsubscribe", "List-Unsubscribe-Post")
        if message[h]
    ]
    return page(
        request,
        "mail/mailbox_message.html",
        headers=headers,
        body=_linked(text_of(message, "plain")),
        subject=str(message["Subject"] or ""),
    )


# --- unsubscribing ------------------------------------------------------------------------------


def _read(token: str, rt: RuntimeDep, now: datetime) -> tuple[int, str]:
    pledge_id, stream = read_token(rt.settings.signing_secret(), token, "unsub", 2, now=now)
    if not pledge_id.isdigit() or stream not in _STREAM_WORDS:
        raise LinkInvalid("this link is not complete or not one of ours")
    return int(pledge_id), stream


def unsubscribe(session: Session, pledge_id: int, stream: str) -> None:
    """Honoured at once and again at sending time (dispatch.py): nothing more leaves."""
    column = "email_receipts" if stream == RECEIPTS else "email_updates"
    session.execute(update(Pledge).where(col(Pledge.id) == pledge_id).values({column: False}))


def _wrong_link(request: Request) -> HTMLResponse:
    return message_page(
        request,
        "This unsubscribe link is wrong",
        "The link is incomplete or was altered, so nothing was changed. Open the link from the "
        "mail again (copy all of it), or use the link to your pledge to delete your address.",
        400,
        back_url="/",
        back_label="What is amplifier?",
    )


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str, rt: RuntimeDep) -> HTMLResponse:
    try:
        _, stream = _read(token, rt, utcnow())
    except LinkInvalid:
        return _wrong_link(request)
    return page(request, "mail/unsubscribe.html", stream_words=_STREAM_WORDS[stream], done=False)


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_form(
    request: Request, token: str, session: SessionDep, rt: RuntimeDep
) -> HTMLResponse:
    try:
        pledge_id, stream = _read(token, rt, utcnow())
    except LinkInvalid:
        return _wrong_link(request)
    unsubscribe(session, pledge_id, stream)
    return page(request, "mail/unsubscribe.html", stream_words=_STREAM_WORDS[stream], done=True)


@api_router.post("/unsubscribe/{token}", summary="One-click unsubscribe (RFC 8058)")
def one_click(
    # bounded, so the schema says what a token can be (no link of ours is longer; the fuzz test
    # generates its invalid cases from this)
    token: Annotated[str, Path(max_length=_MAX_TOKEN, description="the mail's signed token")],
    session: SessionDep,
    rt: RuntimeDep,
) -> Response:
    try:
        pledge_id, stream = _read(token, rt, utcnow())
    except LinkInvalid:
        message = "this unsubscribe link is incomplete or altered: nothing was changed"
        return JSONResponse({"message": message, "detail": message}, status_code=400)
    unsubscribe(session, pledge_id, stream)
    return JSONResponse({"message": f"unsubscribed from {_STREAM_WORDS[stream]}"})
