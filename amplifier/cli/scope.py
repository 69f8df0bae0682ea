"""Whose campaigns a `amplifier campaign …` command may touch.

Without a token the command is the operator's tool, run where the database is: it sees every
campaign. With `--token` (or AMPLIFIER_API_TOKEN) it acts as that token's owner, exactly as the
API would: it sees and changes only their campaigns, and another owner's id is answered like an
id nobody has.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from sqlmodel import Session

from amplifier.models import MAX_ID, Campaign
from amplifier.owners.api_tokens import owner_for_token

TOKEN_ENV = "AMPLIFIER_API_TOKEN"

TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar=TOKEN_ENV,
        show_envvar=True,
        help="act as this API token's owner: only their campaigns are seen or changed "
        "(without a token: operator mode, every campaign)",
    ),
]


def owner_scope(session: Session, token: str | None, out: Console) -> int | None:
    """The token's owner id, None in operator mode; exits 1 for an unknown or revoked token."""
    if token is None:
        return None
    owner = owner_for_token(session, token.strip())
    if owner is None or owner.id is None:
        out.print(f"[red]this API token is unknown or revoked (from --token or {TOKEN_ENV})[/]")
        raise typer.Exit(1)
    return owner.id


def visible_campaign(session: Session, campaign_id: int, owner_id: int | None) -> Campaign | None:
    """The campaign if this scope may see it: None for a missing one or another owner's."""
    if not 1 <= campaign_id <= MAX_ID:
        return None
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or (owner_id is not None and campaign.owner_id != owner_id):
        return None
    return campaign
