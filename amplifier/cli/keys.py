"""`amplifier keys …`: fresh keys for production configuration, and re-encrypting under the newest.

`rotate` acts on the database directly (owners/key_rotation.py); `generate` touches nothing.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from amplifier.crypto import generate_fernet_key, new_secret
from amplifier.owners.key_rotation import RotationReport, rotate_secrets
from amplifier.runtime import get_runtime

console = Console(width=None if sys.stdout.isatty() else 150)

keys_app = typer.Typer(
    rich_markup_mode=None,
    no_args_is_help=True,
    help="Keys for production configuration, and their rotation.",
)


@keys_app.command("generate")
def keys_generate() -> None:
    """Print fresh values for AMPLIFIER_TOKEN_KEYS and AMPLIFIER_SIGNING_KEY."""
    print(f"AMPLIFIER_TOKEN_KEYS={generate_fernet_key()}")
    print(f"AMPLIFIER_SIGNING_KEY={new_secret(32)}")


@keys_app.command("rotate")
def keys_rotate(
    batch_size: Annotated[
        int, typer.Option(min=1, help="rows read and committed at a time (bounds memory)")
    ] = 500,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="only count what is not under the newest key")
    ] = False,
) -> None:
    """Re-encrypt every stored secret under the newest key (the first of AMPLIFIER_TOKEN_KEYS).

    Safe while the service runs and safe to run again: a row changed meanwhile is left for the
    next run. Exits 1 if anything is left (changed meanwhile, or unreadable with these keys).
    """
    rt = get_runtime()
    report = rotate_secrets(
        rt.db, rt.settings.fernet_keys(), batch_size=batch_size, dry_run=dry_run
    )
    print_rotation(console, report)
    if not report.complete:
        raise typer.Exit(1)


def print_rotation(out: Console, report: RotationReport) -> None:
    verb = "to re-encrypt" if report.dry_run else "re-encrypted"
    table = Table(
        "table",
        Column("rows", justify="right"),
        Column("secrets", justify="right"),
        Column("already newest key", justify="right"),
        Column(verb, justify="right"),
        Column("changed meanwhile", justify="right"),
        Column("unreadable", justify="right"),
    )
    for t in report.tables:
        pending = t.secrets - t.current - len(t.unreadable) if report.dry_run else t.rotated
        table.add_row(
            t.table, str(t.rows), str(t.secrets), str(t.current), str(pending),
            str(t.changed), str(len(t.unreadable)),
        )  # fmt: skip
    out.print(table)
    for item in report.unreadable:
        out.print(
            f"[red]unreadable:[/] {item.table} id {item.row_id} column {item.column}: "
            "no configured key decrypts it (a key was removed too early, or the value is "
            "damaged); it is left as it is",
            soft_wrap=True,
        )
    keys = f"{report.keys} key{'s' if report.keys != 1 else ''} configured"
    if report.dry_run:
        state = (
            "everything is under the newest key"
            if report.complete
            else "run `amplifier keys rotate` to move the rest onto the newest key"
        )
        out.print(f"dry run, nothing written · {keys} · {state}", soft_wrap=True)
    elif report.complete:
        out.print(
            f"[green]done · {keys} · every stored secret is under the newest key: older keys "
            "can be removed from AMPLIFIER_TOKEN_KEYS[/]",
            soft_wrap=True,
        )
    else:
        reasons = []
        if report.changed:
            reasons.append(f"{report.changed} changed while this ran (run again)")
        if report.unreadable:
            reasons.append(f"{len(report.unreadable)} unreadable with the configured keys")
        out.print(
            f"[yellow]incomplete · {keys} · " + "; ".join(reasons) + ": keep the older keys "
            "configured until a run completes[/]",
            soft_wrap=True,
        )
