"""`amplifier`: run the service, the demo and the sandbox; administer owners and campaigns."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from amplifier.cli import admin, campaign, keys, owner, report, watch
from amplifier.cli import image as image  # registers `campaign image`
from amplifier.cli import updates as updates  # registers `campaign update`
from amplifier.db import DatabaseNotMigrated, upgrade
from amplifier.logging_setup import configure_logging
from amplifier.platforms.registry import PLATFORMS
from config.settings import Settings, SettingsError, get_settings

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, add_completion=False, help=__doc__)
db_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="Database schema (Alembic migrations)."
)


def _schema_first() -> None:
    """Commands that read or write the database say how to fix a missing schema, not a trace."""
    if "--help" in sys.argv[1:]:  # click runs this before a subcommand's own --help
        return
    from amplifier.db import check_migrated
    from amplifier.runtime import get_runtime

    try:
        check_migrated(get_runtime().db)
    except DatabaseNotMigrated as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc


app.add_typer(db_app, name="db")
app.add_typer(owner.owner_app, name="owner", callback=_schema_first)
campaign.campaign_app.command("report")(report.campaign_report)
app.add_typer(campaign.campaign_app, name="campaign", callback=_schema_first)
app.add_typer(keys.keys_app, name="keys")
app.add_typer(admin.admin_app, name="admin", callback=_schema_first)
app.command("watch")(watch.watch_command)
console = Console(width=None if sys.stdout.isatty() else 150)


def _revisions(url: str) -> tuple[str | None, str | None]:
    """(the database's current revision or None if empty, the code's head revision)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from amplifier.db import Database, alembic_config

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        db.dispose()
    return current, head


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to the configured database."""
    import sqlalchemy as sa

    url = get_settings().resolved_database_url
    shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    before, head = _revisions(url)
    if before == head:
        console.print(
            f"[green]database {shown} is already at the latest revision ({head})[/]",
            soft_wrap=True,
        )
        return
    upgrade(url)
    after, _ = _revisions(url)
    console.print(
        f"[green]database {shown} upgraded from {before or 'an empty schema'} "
        f"to revision {after} (the latest)[/]",
        soft_wrap=True,
    )


@app.command()
def web(
    host: Annotated[str | None, typer.Option(help="default: AMPLIFIER_WEB_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: AMPLIFIER_WEB_PORT")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="web processes (default: AMPLIFIER_WEB_WORKERS)")
    ] = None,
) -> None:
    """Serve the web app (API, supporter pages) with uvicorn, in one or more processes."""
    from amplifier.web.app import create_app
    from amplifier.web.serve import serve, serve_workers

    settings = get_settings()
    try:
        application = create_app()  # also in the supervisor: refuse early, with the reason
    except DatabaseNotMigrated as exc:
        console.print(f"[red]refusing to start:[/] {exc}", soft_wrap=True)
        raise typer.Exit(1) from exc
    on_host, on_port = host or settings.web_host, port or settings.web_port
    level = settings.log_level.lower()
    count = workers or settings.web_workers
    if count > 1:
        del application  # each worker process builds its own
        serve_workers(count, host=on_host, port=on_port, log_level=level)
    else:
        serve(application, host=on_host, port=on_port, log_level=level)


@app.command()
def up(
    port: Annotated[int | None, typer.Option(help="web port (default AMPLIFIER_WEB_PORT)")] = None,
    with_sandbox: Annotated[
        bool,
        typer.Option("--sandbox", help="also run the platform sandbox and post there, not live"),
    ] = False,
) -> None:
    """Run web, a Celery worker and Celery beat (and an embedded Redis if needed) until Ctrl-C."""
    import os

    from amplifier.db import Database, check_migrated
    from amplifier.supervisor import (
        Stack,
        beat_argv,
        start_embedded_redis,
        wait_for_http,
        web_argv,
        worker_argv,
    )

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        check_migrated(Database(settings.resolved_database_url))
    except DatabaseNotMigrated as exc:
        console.print(f"[red]refusing to start:[/] {exc}", soft_wrap=True)
        raise typer.Exit(1) from exc
    web_port = port or settings.web_port
    logs = settings.data_dir / "logs"
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    with Stack(logs) as stack:
        env: dict[str, str] = {}
        if "public_url" not in settings.model_fields_set:  # neither environment nor .env
            env["AMPLIFIER_PUBLIC_URL"] = f"http://{settings.web_host}:{web_port}"
        if not settings.redis_url:
            env["AMPLIFIER_REDIS_URL"] = start_embedded_redis(stack, settings.data_dir / "redis")
            console.print(f"embedded Redis at {env['AMPLIFIER_REDIS_URL']}")
        if with_sandbox:
            from amplifier.demo.stack import SANDBOX_PORTS, sandbox_env, sandbox_hosts
            from amplifier.supervisor import sandbox_argv

            sandbox = stack.start(
                "sandbox",
                sandbox_argv(*SANDBOX_PORTS),
                capture_stdout=True,
            )
            announced = sandbox.read_json_line(timeout=30)
            env.update(sandbox_env(announced))
            console.print(f"sandbox: {sandbox_hosts(announced)}", soft_wrap=True)
        os.environ.update(env)
        web_proc = stack.start("web", web_argv(settings.web_host, web_port), env=env)
        stack.start("worker", worker_argv(), env=env)
        stack.start("beat", beat_argv(settings.data_dir / "celerybeat-schedule"), env=env)
        wait_for_http(f"http://{settings.web_host}:{web_port}/healthz", 30, web_proc)
        console.print(
            f"[green]amplifier is up[/] on http://{settings.web_host}:{web_port} "
            f"(API docs at /docs; logs in {logs}). Ctrl-C stops everything.",
            soft_wrap=True,
        )
        if settings.env != "production" and not settings.smtp_url:
            console.print(
                f"mail (account confirmations, notices) is kept at "
                f"http://{settings.web_host}:{web_port}/dev/mailbox",
                soft_wrap=True,
            )
        print_env_for_other_commands(console, settings, env)
        try:
            while not stopping:
                for proc in stack.processes:
                    proc.fail_if_dead()
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        except RuntimeError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc
        finally:
            console.print("stopping…")


def env_for_other_commands(settings: Settings, env: dict[str, str]) -> dict[str, str]:
    """What `up` set for its children that a command run from another shell would not see.

    Only AMPLIFIER_PUBLIC_URL matters to them: it is the base of every signup link that
    `campaign create/list/show` print. Any other variable `up` sets (the embedded Redis, the
    sandbox's hosts) only concerns the processes it runs.
    """
    wanted = env.get("AMPLIFIER_PUBLIC_URL")
    if wanted is None or wanted.rstrip("/") == settings.public_url.rstrip("/"):
        return {}
    return {"AMPLIFIER_PUBLIC_URL": wanted}


def print_env_for_other_commands(out: Console, settings: Settings, env: dict[str, str]) -> None:
    public_url = env.get("AMPLIFIER_PUBLIC_URL", settings.public_url)
    out.print(f"public URL (signup links, OAuth redirects): {public_url}", soft_wrap=True)
    missing = env_for_other_commands(settings, env)
    if not missing:
        return
    out.print(
        "[yellow]Other amplifier commands (campaign create/list/show) read the "
        "configuration, not this process: run them with[/]",
        soft_wrap=True,
    )
    for key, value in missing.items():
        # plain print: a line to copy, never wrapped or styled
        print(f"  export {key}={value}", file=out.file, flush=True)
    out.print(
        "[yellow]or put that line (without `export`) in .env, or their signup links will "
        f"point at {settings.public_url}.[/]",
        soft_wrap=True,
    )


@app.command("release-due")
def release_due(
    within: Annotated[
        float,
        typer.Option(
            help="keep watching this many seconds: judge deadlines and release at the exact "
            "timestamps that fall in the window (cron every minute with --within 60)"
        ),
    ] = 0.0,
) -> None:
    """Judge deadlines and release what is due: for cron-driven deployments without beat.

    Safe beside beat and beside other runs: campaigns are leased and each post is claimed.
    """
    from amplifier.db import check_migrated
    from amplifier.runtime import get_runtime

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    rt = get_runtime()
    try:
        check_migrated(rt.db)
    except DatabaseNotMigrated as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    end = time.monotonic() + within
    checked = rt.preflight()  # connections of pledges released within the preflight lead
    did_something = bool(checked.checked or checked.unknown)
    if did_something:
        console.print(
            f"preflight: {checked.checked} connections checked, {checked.dead} to reconnect"
        )
    while True:
        work = rt.collect_due_work()
        for campaign_id, verdict in work.judged:
            console.print(f"campaign {campaign_id}: {verdict}")
        for campaign_id in work.releases:
            outcome = rt.release(campaign_id)
            console.print(
                f"campaign {campaign_id}: {outcome.attempted} posts attempted, "
                f"{'released' if outcome.finished else 'not finished (will resume)'}"
            )
        did_something = did_something or bool(work.judged or work.releases)
        if time.monotonic() >= end:
            break
        time.sleep(min(settings.release_tick_s / 4, max(0.0, end - time.monotonic())))
    from amplifier.notify.service import mail_tick

    mail = mail_tick(rt.db, settings)  # without beat, cron is also what sends the outbox
    if mail.sent or mail.retried or mail.failed:
        did_something = True
        console.print(f"mail: {mail.sent} sent, {mail.retried} to retry, {mail.failed} failed")
    if not did_something:
        console.print("nothing due")


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,  # --help reaches the emulator's own parser, which lists the options
)
def sandbox(ctx: typer.Context) -> None:
    """Run the platform emulator (all seven platforms' APIs); `amplifier sandbox --help` for
    options."""
    from amplifier.sandbox.cli import main as sandbox_main

    raise typer.Exit(sandbox_main(list(ctx.args)))


@app.command()
def demo(
    supporters: Annotated[int, typer.Option(min=1, max=2000)] = 25,
    platforms: Annotated[str, typer.Option(help="comma-separated names")] = ",".join(PLATFORMS),
    release_in: Annotated[float, typer.Option(min=8, help="seconds until the release")] = 20.0,
    keep: Annotated[Path | None, typer.Option(help="keep the demo's data and logs here")] = None,
) -> None:
    """Run a whole campaign on the sandbox: 25 supporters pledge, all posts go out at once."""
    from amplifier.demo.run import run_demo

    ok = run_demo(
        supporters=supporters,
        platforms=[p.strip() for p in platforms.split(",") if p.strip()],
        release_in=release_in,
        keep=keep,
        console=console,
    )
    raise typer.Exit(0 if ok else 1)


def main() -> None:
    try:
        app()
    except SettingsError as exc:
        console.print(f"[red]configuration error:[/] {exc}")
        raise SystemExit(2) from exc
