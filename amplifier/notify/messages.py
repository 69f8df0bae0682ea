"""Every message amplifier sends, and how one outbox row becomes a MIME mail.

Each kind has one template directory, `templates/<kind>/` with `subject.txt`, `body.txt` and
`body.html` (Jinja2; HTML autoescaped), rendered from the row's stored context plus the links
made at render time (signed with the signing key, so no credential sits in the outbox). Kinds in
a *stream* are not strictly transactional: they carry an unsubscribe link and the
`List-Unsubscribe` / `List-Unsubscribe-Post: List-Unsubscribe=One-Click` headers of RFC 8058,
whose one-click POST target is `/api/unsubscribe/{token}`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from amplifier.crypto import sign
from amplifier.notify.links import make_token
from amplifier.notify.outbox import Claimed
from config.settings import Settings

TEMPLATES = Path(__file__).parent / "templates"
RECEIPTS = "receipts"  # a supporter's mails about their own pledge
UPDATES = "updates"  # the owner's updates to supporters


@dataclass(frozen=True)
class Kind:
    name: str
    stream: str | None  # None: strictly transactional, no unsubscribe


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        # owners: about their account and their campaigns
        Kind("verify_address", None),
        Kind("password_reset", None),
        Kind("campaign_approved", None),
        Kind("campaign_rejected", None),
        Kind("campaign_suspended", None),
        Kind("campaign_judged", None),
        Kind("preparation_dropped", None),
        Kind("release_done", None),
        Kind("preflight_at_risk", None),
        # supporters: only what they opted in to
        Kind("pledge_confirmed", RECEIPTS),
        Kind("message_changed", RECEIPTS),
        Kind("reconnect_needed", RECEIPTS),
        Kind("post_outcome", RECEIPTS),
        Kind("intent_at_release", RECEIPTS),  # intents.py: the one-tap link at T
        Kind("campaign_update", UPDATES),
    )
}

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=False,
)


def unsubscribe_token(key: bytes, pledge_id: int, stream: str) -> str:
    return make_token(key, "unsub", [str(pledge_id), stream], expires=None)


def manage_path(key: bytes, pledge_id: int) -> str:
    """The supporter's manage link, as the pages make it (web/pages.py)."""
    return f"/p/{pledge_id}/{sign(key, f'pledge:{pledge_id}')}"


def links(row: Claimed, settings: Settings, *, now: datetime) -> dict[str, str]:
    """The absolute URLs a message needs, made now from ids in the row."""
    key = settings.signing_secret()
    base = settings.public_url.rstrip("/")
    ctx = row.context
    out: dict[str, str] = {"home_url": base + "/"}
    if row.pledge_id is not None:
        out["manage_url"] = base + manage_path(key, row.pledge_id)
        out["reconnect_url"] = out["manage_url"] + "/reconnect"  # signed like the manage link
        stream = KINDS[row.kind].stream
        if stream is not None:
            token = unsubscribe_token(key, row.pledge_id, stream)
            out["unsubscribe_url"] = f"{base}/unsubscribe/{token}"
            out["one_click_url"] = f"{base}/api/unsubscribe/{token}"
    if "slug" in ctx:
        out["campaign_url"] = f"{base}/c/{ctx['slug']}"
    if row.campaign_id is not None:
        out["owner_campaign_url"] = f"{base}/owner/campaigns/{row.campaign_id}"
        out["report_api_url"] = f"{base}/api/campaigns/{row.campaign_id}/report"
    if row.kind == "verify_address":
        expires = datetime.fromisoformat(ctx["expires"])
        token = make_token(key, "verify", [str(row.owner_id), ctx["address"]], expires=expires)
        out["verify_url"] = f"{base}/verify-email/{token}"
    if row.kind == "password_reset":
        expires = datetime.fromisoformat(ctx["expires"])
        token = make_token(key, "reset", [str(row.owner_id), ctx["pw"]], expires=expires)
        out["reset_url"] = f"{base}/password-reset/{token}"
    return out


def render(row: Claimed, settings: Settings, *, now: datetime) -> EmailMessage:
    """The MIME mail for one outbox row: text and HTML alternatives, headers per RFC 5322."""
    kind = KINDS.get(row.kind)
    if kind is None:
        raise ValueError(f"unknown message kind {row.kind!r}")
    context: dict[str, Any] = {**row.context, **links(row, settings, now=now)}
    context.setdefault("campaign_name", "")
    subject = _env.get_template(f"{row.kind}/subject.txt").render(context).strip()
    text = _env.get_template(f"{row.kind}/body.txt").render(context).strip() + "\n"
    html = _env.get_template(f"{row.kind}/body.html").render(context)
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row.recipient
    message["Subject"] = " ".join(subject.split())  # no header folding tricks from a title
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(row.id, settings)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    if "one_click_url" in context:
        message["List-Unsubscribe"] = f"<{context['one_click_url']}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def message_id(row_id: int, settings: Settings) -> str:
    """The same id every time this row is sent: a resend after a crash is recognisable."""
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    tag = hashlib.sha256(settings.signing_secret() + f"msgid:{row_id}".encode()).hexdigest()[:16]
    return f"<outbox-{row_id}.{tag}@{domain}>"


def expiry(now: datetime, ttl_s: int) -> str:
    return (now + timedelta(seconds=ttl_s)).isoformat()
