"""`amplifier campaign report ID`: every post's link or the reason it failed, as a table or CSV.

`--csv` writes the same file the owner page and `GET /api/campaigns/{id}/report.csv` give (see
`report_csv`: formula-like cells are escaped), to standard output or to `--output FILE`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from amplifier.campaigns.report import SORT_KEYS, build_report
from amplifier.campaigns.report_csv import report_csv
from amplifier.cli.campaign import print_report
from amplifier.cli.scope import TokenOption, owner_scope, visible_campaign
from amplifier.runtime import get_runtime

console = Console(width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True)


def campaign_report(
    campaign_id: int,
    csv: Annotated[bool, typer.Option("--csv", help="write CSV instead of a table")] = False,
    sort: Annotated[
        str, typer.Option(help=f"order of the posts: {', '.join(SORT_KEYS)}")
    ] = "offset",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="write to this file instead of standard output"),
    ] = None,
    token: TokenOption = None,
) -> None:
    """The release report: every post with its link or error and its offset from T."""
    if sort not in SORT_KEYS:
        err.print(f"[red]--sort: choose one of {', '.join(SORT_KEYS)}[/]", markup=True)
        raise typer.Exit(2)
    rt = get_runtime()
    with rt.db.session() as session:
        campaign = visible_campaign(session, campaign_id, owner_scope(session, token, err))
        if campaign is None:
            err.print(f"[red]no campaign with id {campaign_id}[/]")
            raise typer.Exit(1)
        report = build_report(session, campaign)
    if csv:
        text = report_csv(report, by=sort)
        if output is None:
            sys.stdout.write(text)
        else:
            output.write_text(text, encoding="utf-8", newline="")
            err.print(f"{len(report.posts):,} posts written to {output}")
        return
    if output is None:
        print_report(console, report, sort)
        return
    with output.open("w", encoding="utf-8") as file:
        print_report(Console(file=file, width=150), report, sort)
