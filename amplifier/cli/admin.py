"""`amplifier admin …`: make admins, and review campaigns from the command line.

These act on the database directly, as the operator; the changes they make are recorded with no
reviewing admin (`reviewed_by` empty), which is how the admin API's answers tell them apart.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from amplifier.campaigns import moderation
from amplifier.models import Campaign, Owner
from amplifier.owners.admins import create_admin, set_admin
from amplifier.owners.logins import AccountError
from amplifier.runtime import get_runtime
from amplifier.timeutil import utcnow

admin_app = typer.Typer(
    rich_markup_mode=None,
    no_args_is_help=True,
    help="Admins, and campaign review: pending, approve, reject, suspend, reinstate.",
)
console = Console(width=None if sys.stdout.isatty() else 150)


def _read_password(from_stdin: bool) -> str:
    """Prompt twice on a terminal; otherwise (a pipe, a script, --password-stdin) read a line."""
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first: str = typer.prompt("Password", hide_input=True)
    second: str = typer.prompt("Password again", hide_input=True)
    if first != second:
        console.print("[red]the two passwords differ; nothing was created[/]")
        raise typer.Exit(2)
    return first


@admin_app.command("create")
def admin_create(
    email: str,
    name: Annotated[str, typer.Option(help="shown as the reviewer's name")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="read the password from the first line of stdin (the default without a terminal)",
        ),
    ] = False,
) -> None:
    """Create an admin who logs in at /login and reviews at /admin; prints an API token once."""
    password = _read_password(password_stdin)
    rt = get_runtime()
    try:
        with rt.db.session() as session:
            created = create_admin(session, email=email, name=name, password=password, now=utcnow())
            owner_id, shown_email = created.owner.id, created.owner.email
    except AccountError as exc:
        console.print(f"[red]{exc}[/]; nothing was created")
        raise typer.Exit(2) from exc
    console.print(f"admin {owner_id} ({shown_email}) created; only a hash of the password is kept")
    console.print("API token for the admin API (shown once, keep it safe):")
    print(created.token)


def _set_admin(email: str, *, admin: bool) -> None:
    rt = get_runtime()
    try:
        with rt.db.session() as session:
            owner = set_admin(session, email=email, admin=admin)
            who = f"{owner.name} ({owner.email})"
    except AccountError as exc:
        console.print(f"[red]{exc}[/]; nothing was changed")
        raise typer.Exit(2) from exc
    console.print(f"{who} {'is now an admin' if admin else 'is no longer an admin'}")


@admin_app.command("grant")
def admin_grant(email: str) -> None:
    """Make an existing account (signed up at /signup) an admin."""
    _set_admin(email, admin=True)


@admin_app.command("revoke")
def admin_revoke(email: str) -> None:
    """Take review rights away from an admin; the account itself stays."""
    _set_admin(email, admin=False)


@admin_app.command("pending")
def admin_pending() -> None:
    """Campaigns waiting for review, oldest first, with the exact text supporters would post."""
    rt = get_runtime()
    with rt.db.session() as session:
        rows = moderation.list_pending(session)
        owners = {c.owner_id: session.get(Owner, c.owner_id) for c in rows}
        if not rows:
            console.print("nothing is waiting for review")
            return
        table = Table(
            "id",
            Column("title", overflow="fold"),
            "owner",
            Column("post text", overflow="fold"),
            "platforms",
            Column("deadline (UTC)", no_wrap=True),
        )
        for c in rows:
            owner = owners[c.owner_id]
            table.add_row(
                str(c.id), c.title, owner.name if owner else "?", c.post_text(),
                ",".join(c.platform_list), f"{c.pledge_deadline:%Y-%m-%d %H:%M:%S}",
            )  # fmt: skip
    console.print(table)


def _change(campaign_id: int, done: str, change: Callable[..., Campaign]) -> None:
    rt = get_runtime()
    try:
        with rt.db.session() as session:
            campaign = change(session, campaign_id=campaign_id, admin_id=None, now=utcnow())
            title = campaign.title
    except moderation.ModerationError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    console.print(f"campaign {campaign_id} ({title}) {done}")


ReasonOption = Annotated[str, typer.Option(help="why (at most 2000 characters)")]


@admin_app.command("approve")
def admin_approve(campaign_id: int) -> None:
    """Make a pending (or rejected) campaign public."""
    _change(campaign_id, "approved: it is public now", moderation.approve)


@admin_app.command("reject")
def admin_reject(campaign_id: int, reason: ReasonOption) -> None:
    """Refuse a pending campaign; its owner reads the reason (API, `campaign show`)."""
    _change(
        campaign_id,
        "rejected; its owner sees the reason",
        lambda session, **kw: moderation.reject(session, reason=reason, **kw),
    )


@admin_app.command("suspend")
def admin_suspend(campaign_id: int, reason: ReasonOption) -> None:
    """Stop a live campaign: its page says so, no pledges, its release held; pledges are kept."""
    _change(
        campaign_id,
        "suspended: no pledges, release held",
        lambda session, **kw: moderation.suspend(session, reason=reason, **kw),
    )


@admin_app.command("reinstate")
def admin_reinstate(campaign_id: int) -> None:
    """Lift a suspension; a release held past its time goes out at the next tick."""
    _change(campaign_id, "reinstated", moderation.reinstate)
