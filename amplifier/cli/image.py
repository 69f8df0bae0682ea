"""`amplifier campaign image ID --file PHOTO --alt TEXT [--reencode]` / `--remove`: the picture
that goes with the message, under the same rules as `PUT /api/campaigns/{id}/image`
(media/attach.py): checked against every chosen platform, metadata stripped, alt text required;
a change after the first pledge asks every supporter to consent again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amplifier.cli.campaign import campaign_app, console
from amplifier.cli.scope import TokenOption, owner_scope, visible_campaign
from amplifier.runtime import get_runtime


@campaign_app.command("image")
def campaign_image(
    campaign_id: int,
    file: Annotated[
        Path | None, typer.Option(help="a JPEG, PNG, WebP or GIF file", dir_okay=False)
    ] = None,
    alt: Annotated[
        str | None, typer.Option(help="the alt text: what the picture shows (required)")
    ] = None,
    reencode: Annotated[
        bool, typer.Option(help="let amplifier make a too-large image smaller (JPEG)")
    ] = False,
    remove: Annotated[bool, typer.Option(help="post the message without an image")] = False,
    token: TokenOption = None,
) -> None:
    """Attach, replace or remove the image that goes with every post."""
    # imported here: Pillow and the consent rules are not needed to start every other command
    from amplifier.campaigns.consent import MessageLocked
    from amplifier.media.attach import attach_image, remove_image
    from amplifier.media.images import MAX_UPLOAD_BYTES, ImageRefused

    if remove == (file is not None):
        console.print("give either --file (with --alt) or --remove", style="red")
        raise typer.Exit(2)
    data = b""
    if file is not None:
        if alt is None:
            console.print("--alt is required: describe the picture for who cannot see it")
            raise typer.Exit(2)
        try:
            with file.open("rb") as handle:
                data = handle.read(MAX_UPLOAD_BYTES + 1)
        except OSError as exc:
            console.print(f"cannot read {file}: {exc.strerror}", style="red", markup=False)
            raise typer.Exit(2) from exc
    rt = get_runtime()
    with rt.db.session() as session:
        campaign = visible_campaign(session, campaign_id, owner_scope(session, token, console))
        if campaign is None:
            console.print(f"[red]no campaign with id {campaign_id}[/]")
            raise typer.Exit(1)
        before = campaign.message_version
        lead = rt.settings.release_prepare_lead_s
        try:
            if remove:
                remove_image(session, campaign, prepare_lead_s=lead)
            else:
                view = attach_image(
                    session, campaign, data, alt or "", reencode=reencode, prepare_lead_s=lead
                )
        except (MessageLocked, ImageRefused) as exc:
            console.print(str(exc), style="red", markup=False)
            raise typer.Exit(1 if isinstance(exc, MessageLocked) else 2) from exc
        version = campaign.message_version
    if remove:
        console.print(f"message version {version}: no image")
    else:
        console.print(
            f"message version {version}: {view.media_type}, {view.width} by {view.height} pixels, "
            f"{view.byte_size:,} bytes, alt text: {view.alt_text}",
            markup=False,
        )
    if version != before:
        console.print(
            "supporters must consent again through their manage link; until they do, they "
            "are not counted and nothing is posted for them",
            soft_wrap=True,
        )
