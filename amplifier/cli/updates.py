"""`amplifier campaign update ID --text …`: an owner's news to the supporters who asked for it.

The same rules as `POST /api/campaigns/{id}/updates` and the owner's campaign page
(notify/updates.py): not empty, at most 5,000 characters, no control characters, and only while
the campaign is open, armed or releasing. Supporters who ticked "updates" get it in a digest, at
most one mail a day per campaign (`AMPLIFIER_MAIL_DIGEST_INTERVAL_S`).
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import func
from sqlmodel import col, select

from amplifier.cli.campaign import campaign_app, console
from amplifier.cli.scope import TokenOption, owner_scope, visible_campaign
from amplifier.models import Pledge, PledgeStatus
from amplifier.notify.updates import UpdateRefused, post_update
from amplifier.runtime import get_runtime
from amplifier.timeutil import utcnow


@campaign_app.command("update")
def campaign_update(
    campaign_id: int,
    text: Annotated[str, typer.Option(help="the update, plain text; blank lines part paragraphs")],
    token: TokenOption = None,
) -> None:
    """Post an update to the supporters who asked for updates by mail (a daily digest)."""
    rt = get_runtime()
    with rt.db.session() as session:
        campaign = visible_campaign(session, campaign_id, owner_scope(session, token, console))
        if campaign is None:
            console.print(f"[red]no campaign with id {campaign_id}[/]")
            raise typer.Exit(1)
        try:
            row = post_update(session, campaign, text, now=utcnow())
        except UpdateRefused as exc:
            console.print(f"[red]update not posted: {exc}[/]", soft_wrap=True)
            raise typer.Exit(1) from exc
        readers = session.exec(
            select(func.count(col(Pledge.id))).where(
                Pledge.campaign_id == campaign_id,
                Pledge.status == PledgeStatus.ACTIVE,
                col(Pledge.email).is_not(None),
                col(Pledge.email_updates),
            )
        ).one()
    console.print(
        f"update {row.id} posted to campaign {campaign_id}; {readers} supporter(s) asked for "
        "updates by mail and get it in the next digest (at most one mail a day)",
        soft_wrap=True,
    )
