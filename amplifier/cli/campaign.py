"""`amplifier campaign …`: create, list, show, cancel and edit campaigns on the database directly.

They are the operator's unless given an owner's API token (see `scope.py`).
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table
from rich.text import Text

from amplifier.campaigns.lifecycle import (
    cancel_campaign,
    create_campaign,
    list_campaigns,
    to_public,
)
from amplifier.campaigns.report import CampaignReport, build_report, sorted_posts
from amplifier.campaigns.rules import CampaignCreate, CampaignRuleError
from amplifier.characters import harmless
from amplifier.cli.scope import TokenOption, owner_scope, visible_campaign
from amplifier.models import Owner
from amplifier.runtime import get_runtime
from config.settings import Settings

campaign_app = typer.Typer(
    rich_markup_mode=None,
    no_args_is_help=True,
    help="Schedule, inspect and cancel campaigns. With --token (or AMPLIFIER_API_TOKEN) a "
    "command acts as that owner and sees only their campaigns; without one it is the "
    "operator's tool and sees every campaign.",
)
console = Console(width=None if sys.stdout.isatty() else 150)


@campaign_app.command("create")
def campaign_create(
    title: Annotated[str, typer.Option()],
    story: Annotated[str, typer.Option()],
    text: Annotated[str, typer.Option(help="the message each supporter posts")],
    goal: Annotated[int, typer.Option(help="minimum number of supporters")],
    deadline: Annotated[datetime, typer.Option(formats=["%Y-%m-%dT%H:%M:%S%z"])],
    release: Annotated[datetime, typer.Option(formats=["%Y-%m-%dT%H:%M:%S%z"])],
    platforms: Annotated[
        str, typer.Option(help="comma-separated names (default: every one configured here)")
    ] = "",
    link: Annotated[str | None, typer.Option()] = None,
    owner: Annotated[
        int | None, typer.Option(help="owner id (operator mode; with --token, that owner)")
    ] = None,
    token: TokenOption = None,
    modes: Annotated[
        str, typer.Option(help="posting modes, e.g. NAME=intent,NAME=off (automatic|intent|off)")
    ] = "",
    personalise: Annotated[bool, typer.Option(help="supporters may reword the text")] = False,
) -> None:
    """Schedule a blast (times with a zone, e.g. 2026-12-01T18:00:00+01:00)."""
    rt = get_runtime()
    try:
        data = CampaignCreate(
            title=title,
            story=story,
            message_text=text,
            link=link,
            goal=goal,
            pledge_deadline=deadline,
            release_at=release,
            platforms=platforms.split(",") if platforms else rt.connectors.enabled_platforms(),
            platform_modes=dict(m.strip().partition("=")[::2] for m in modes.split(",") if m),
            personalisation_allowed=personalise,
        )
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            console.print(
                f"[red]{where or 'campaign'}:[/] {error['msg'].removeprefix('Value error, ')}"
            )
        raise typer.Exit(2) from exc
    with rt.db.session() as session:
        token_owner = owner_scope(session, token, console)
        if token_owner is not None and owner is not None and owner != token_owner:
            console.print(f"[red]--owner {owner} is not the owner of this API token[/]")
            raise typer.Exit(2)
        owner = token_owner if token_owner is not None else owner
        if owner is None:
            console.print(
                "[red]say whose campaign this is: --token (or AMPLIFIER_API_TOKEN) or --owner ID[/]"
            )
            raise typer.Exit(2)
        if session.get(Owner, owner) is None:
            console.print(f"[red]no owner with id {owner}[/]")
            raise typer.Exit(2)
        try:
            campaign = create_campaign(
                session,
                owner_id=owner,
                data=data,
                enabled_platforms=rt.connectors.enabled_platforms(),
                auto_approve=rt.settings.moderation_auto_approve,
                settings=rt.settings,
            )
        except CampaignRuleError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from exc
        public = to_public(
            session, campaign, public_url=rt.settings.public_url, settings=rt.settings
        )
    console.print(f"campaign {public.id} created; signup link: {public.signup_url}")
    for platform, rules in public.platform_rules.items():
        console.print(f"[yellow]{platform}:[/] {rules}")
    for warning in public.capacity_warnings:
        console.print(f"[red]capacity:[/] {warning}")
    for note in public.posting_notes:
        console.print(f"[yellow]posting:[/] {escape(note)}", soft_wrap=True)


@campaign_app.command("list")
def campaign_list(
    owner: Annotated[int | None, typer.Option(help="only this owner's (operator mode)")] = None,
    token: TokenOption = None,
) -> None:
    """Every campaign (with --token: yours) with its status, support and signup link."""
    rt = get_runtime()
    with rt.db.session() as session:
        token_owner = owner_scope(session, token, console)
        if token_owner is not None:
            owner = token_owner  # an owner sees only their own, whatever --owner says
        rows = [
            to_public(session, c, public_url=rt.settings.public_url, settings=rt.settings)
            for c in list_campaigns(session, owner_id=owner)
        ]
    link_width = max((len(p.signup_url) for p in rows), default=len("signup link"))
    table = Table(
        "id",
        Column("title", overflow="fold"),
        "status",
        "supporters",
        "goal",
        Column("release (UTC)", no_wrap=True),
        # never cut: the link is what the operator copies
        Column("signup link", no_wrap=True, overflow="fold", min_width=link_width),
    )
    for p in rows:
        table.add_row(
            str(p.id), p.title, p.status, str(p.supporters), str(p.goal),
            f"{p.release_at:%Y-%m-%d %H:%M:%S}", p.signup_url,
        )  # fmt: skip
    console.print(table)
    _public_url_hint(rt.settings)


def _public_url_hint(settings: Settings) -> None:
    """Links are built from AMPLIFIER_PUBLIC_URL: say so when it is only the default."""
    if "public_url" not in settings.model_fields_set:
        console.print(
            f"[dim]Links here use the default public URL {settings.public_url}. If the web app "
            "runs elsewhere (e.g. `amplifier up --port 8123`), set AMPLIFIER_PUBLIC_URL to the "
            "address `amplifier up` prints.[/]",
            soft_wrap=True,
        )


@campaign_app.command("show")
def campaign_show(campaign_id: int, token: TokenOption = None) -> None:
    """The campaign and its report: every post's link or error, the reach, offsets from T."""
    rt = get_runtime()
    with rt.db.session() as session:
        campaign = visible_campaign(session, campaign_id, owner_scope(session, token, console))
        if campaign is None:
            console.print(f"[red]no campaign with id {campaign_id}[/]")
            raise typer.Exit(1)
        public = to_public(
            session, campaign, public_url=rt.settings.public_url, settings=rt.settings
        )
        report = build_report(session, campaign)
    console.print(
        f"[bold]{public.title}[/] ({public.status}) · "
        f"{public.supporters}/{public.goal} supporters · "
        f"release {public.release_at:%Y-%m-%d %H:%M:%S} UTC · {public.signup_url}",
        soft_wrap=True,
    )
    review = f"review: {public.review_status}"
    if public.review_reason:
        review += f" · reason: {public.review_reason}"
    if public.suspended:
        review += f" · suspended: {public.suspension_reason}"
    console.print(review, soft_wrap=True, markup=False)
    print_report(console, report)
    _public_url_hint(rt.settings)


# the order an operator reads outcomes in; any other status follows
_OUTCOME_ORDER = ["posted", "failed", "unconfirmed", "sending", "pending"]


def summary_line(report: CampaignReport) -> str:
    """One line: outcomes, reach and timing — or, before the release, what is pledged."""
    if not report.posts:
        people = "supporter" if report.supporters == 1 else "supporters"
        return (
            f"no posts yet · {report.supporters:,} {people} · "
            f"{report.pledged_reach:,} followers pledged"
        )
    ordered = sorted(
        report.counts.items(),
        key=lambda kv: (_OUTCOME_ORDER.index(kv[0]) if kv[0] in _OUTCOME_ORDER else 99, kv[0]),
    )
    counts = ", ".join(f"{k}: {v:,}" for k, v in ordered)
    line = (
        f"{counts} · reach {report.reached:,} followers posted to "
        f"(of {report.pledged_reach:,} pledged)"
    )
    if report.first_offset_ms is not None and report.last_offset_ms is not None:
        line += (
            f" · first {report.first_offset_ms:,.0f} ms, "
            f"last {report.last_offset_ms:,.0f} ms after T"
        )
    return line


def print_report(out: Console, report: CampaignReport, by: str = "offset") -> None:
    if report.posts:
        table = Table(
            Column("handle", overflow="fold"),
            "platform",
            "outcome",
            Column("link or reason", overflow="fold"),
            Column("offset from T (ms)", justify="right"),
        )
        for post in sorted_posts(report.posts, by):  # by offset: in the order they went out
            table.add_row(  # what platforms sent: never rich markup, never terminal controls
                Text(harmless(post.handle)),
                post.platform,
                post.status,
                Text(harmless(post.url or post.error or "")),
                "" if post.offset_ms is None else f"{post.offset_ms:,.0f}",
            )
        out.print(table)
    out.print(summary_line(report), soft_wrap=True)


@campaign_app.command("cancel")
def campaign_cancel(campaign_id: int, token: TokenOption = None) -> None:
    """Cancel before the release: nothing is posted, the supporters' tokens are deleted."""
    rt = get_runtime()
    with rt.db.session() as session:
        campaign = visible_campaign(session, campaign_id, owner_scope(session, token, console))
        if campaign is None:
            console.print(f"[red]no campaign with id {campaign_id}[/]")
            raise typer.Exit(1)
        try:
            cancel_campaign(session, campaign=campaign)
        except CampaignRuleError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc
    console.print(f"campaign {campaign_id} cancelled; its supporters' tokens are deleted")


@campaign_app.command("edit-message")
def campaign_edit_message(
    campaign_id: int,
    text: Annotated[str, typer.Option(help="the new message")],
    link: Annotated[
        str | None, typer.Option(help="the new link; omitted: kept; empty: removed")
    ] = None,
    token: TokenOption = None,
) -> None:
    """Edit the message: in place before the first pledge, else a new version supporters
    must consent to again (their manage link asks them; until then their post is held back)."""
    from amplifier.campaigns.consent import MessageInvalid, MessageLocked, edit_message

    rt = get_runtime()
    with rt.db.session() as session:
        campaign = visible_campaign(session, campaign_id, owner_scope(session, token, console))
        if campaign is None:
            console.print(f"[red]no campaign with id {campaign_id}[/]")
            raise typer.Exit(1)
        before = campaign.message_version
        try:
            edit_message(
                session,
                campaign,
                text,
                campaign.link if link is None else link,
                prepare_lead_s=rt.settings.release_prepare_lead_s,
            )
        except (MessageLocked, MessageInvalid) as exc:
            console.print(str(exc), style="red", markup=False)
            raise typer.Exit(1 if isinstance(exc, MessageLocked) else 2) from exc
        public = to_public(
            session, campaign, public_url=rt.settings.public_url, settings=rt.settings
        )
    console.print(f"message version {public.message_version}: {public.post_text}", markup=False)
    if public.message_version != before:
        console.print(
            f"{public.awaiting_reconsent} supporters must consent again through their manage "
            "link; until they do, they are not counted and nothing is posted for them",
            soft_wrap=True,
        )
