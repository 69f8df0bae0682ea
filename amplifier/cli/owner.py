"""`amplifier owner create NAME`: an owner and their first API token, made by the operator."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from amplifier.owners.api_tokens import create_owner
from amplifier.runtime import get_runtime

console = Console(width=None if sys.stdout.isatty() else 150)

owner_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="Campaign owners and their API tokens."
)


@owner_app.command("create")
def owner_create(name: str) -> None:
    """Create an owner and print their API token (shown once; only its hash is stored)."""
    rt = get_runtime()
    try:
        with rt.db.session() as session:
            created = create_owner(session, name=name)
    except ValueError as exc:
        console.print(f"[red]{escape(str(exc))}[/]", soft_wrap=True)
        raise typer.Exit(1) from exc
    console.print(f"owner {created.owner.id} ({created.owner.name}) created")
    console.print("API token (shown once, keep it safe):")
    print(created.token)
