"""`amplifier watch CAMPAIGN_ID`: a release as it happens, in the terminal.

A Rich live display refreshed about four times a second from the database (one grouped count
query per refresh, so it stays cheap while thousands of posts go out): a bar of posted / failed /
unconfirmed / pending out of the total, the rate, the latest post's offset from T and the
campaign's status. It ends when the campaign is released, failed or cancelled — printing the
full report — or on Ctrl-C, which stops only the watching, never the release.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.text import Text

from amplifier.models import Campaign, CampaignStatus
from amplifier.progress import Snapshot, take_snapshot
from amplifier.report import build_report
from amplifier.runtime import Runtime

BAR_WIDTH = 50
_SEGMENTS = (  # (field, colour) in the order they fill the bar
    ("posted", "green"),
    ("failed", "red"),
    ("unconfirmed", "yellow"),
)


class RateMeter:
    """Posts per second over the last few seconds of snapshots."""

    def __init__(self, window_s: float = 3.0) -> None:
        self.window_s = window_s
        self.samples: deque[tuple[float, int]] = deque()

    def add(self, at: float, posted: int) -> float | None:
        self.samples.append((at, posted))
        while len(self.samples) > 2 and at - self.samples[0][0] > self.window_s:
            self.samples.popleft()
        first_at, first_posted = self.samples[0]
        if at - first_at < 0.2:
            return None
        return (posted - first_posted) / (at - first_at)


def _seconds(delta_s: float) -> str:
    sign = "-" if delta_s < 0 else "+"
    value = abs(delta_s)
    if value < 120:
        return f"{sign}{value:.1f} s"
    minutes, seconds = divmod(int(value), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if days or hours else []
    parts += [f"{minutes}m", f"{seconds}s"]
    return sign + " ".join(parts)


def _bar(snap: Snapshot, width: int = BAR_WIDTH) -> Text:
    bar = Text()
    total = snap.total
    used = 0
    for field, colour in _SEGMENTS:
        count: int = getattr(snap, field)
        cells = round(width * count / total) if total else 0
        cells = min(cells, width - used)
        bar.append("━" * cells, style=colour)
        used += cells
    bar.append("━" * (width - used), style="grey35")
    percent = 100 * snap.done / total if total else 0.0
    bar.append(f"  {snap.done}/{total}  {percent:.0f}%")
    return bar


def _state_detail(snap: Snapshot) -> str:
    now = snap.taken_at
    t_text = f"T = {snap.release_at:%Y-%m-%d %H:%M:%S} UTC"
    since_t = _seconds((now - snap.release_at).total_seconds())
    if snap.status == CampaignStatus.OPEN:
        if snap.pledge_deadline > now:
            closes = _seconds((snap.pledge_deadline - now).total_seconds()).lstrip("+")
            return (
                f"pledging closes in {closes} · {snap.supporters} supporters "
                f"(goal {snap.goal}) · {t_text}"
            )
        return f"pledging closed, the goal is being judged · {t_text}"
    if snap.status == CampaignStatus.ARMED:
        return f"goal reached, waiting for T · {t_text} (now T{since_t})"
    if snap.status == CampaignStatus.RELEASING:
        return f"posting · {t_text} (now T{since_t})"
    if snap.status == CampaignStatus.RELEASED:
        return t_text
    if snap.status == CampaignStatus.FAILED:
        return "the goal was not reached; nothing is posted"
    if snap.status == CampaignStatus.CANCELLED:
        return "cancelled by its owner; nothing is posted"
    return t_text


def _state_line(snap: Snapshot) -> Text:
    line = Text()
    line.append(snap.title, style="bold")
    line.append(f" (campaign {snap.campaign_id}) · ")
    line.append(snap.status, style="bold cyan")
    line.append(f" · {_state_detail(snap)}")
    return line


def render(snap: Snapshot, rate: float | None = None) -> RenderableType:
    """The live display: state, bar, counts, rate and the latest post's offset from T."""
    counts = Text()
    for label, value, colour in (
        ("posted", snap.posted, "green"),
        ("failed", snap.failed, "red"),
        ("unconfirmed", snap.unconfirmed, "yellow"),
        ("pending", snap.pending, "grey50"),
    ):
        if counts:
            counts.append(" · ")
        counts.append(f"{label} {value}", style=colour)
    if snap.sending:
        counts.append(f" (sending {snap.sending})", style="grey50")
    timing = Text()
    average = snap.average_rate
    if rate is not None:
        timing.append(f"{rate:.1f} posts/s now · ")
    timing.append(f"{average:.1f} posts/s since T" if average is not None else "no posts yet")
    offset = snap.latest_offset_ms
    if offset is not None:
        timing.append(f" · latest post at T{'+' if offset >= 0 else ''}{offset:.0f} ms")
    return Group(_state_line(snap), _bar(snap), counts, timing)


def _final_report(rt: Runtime, out: Console, campaign_id: int) -> None:
    from amplifier.cli_admin import print_report

    with rt.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            return
        report = build_report(session, campaign)
    out.print()
    print_report(out, report)


def run_watch(
    rt: Runtime,
    campaign_id: int,
    *,
    out: Console,
    once: bool = False,
    interval_s: float = 0.25,
) -> int:
    """Watch until the campaign is final (then print the report) or Ctrl-C; the exit code."""

    def snapshot() -> Snapshot | None:
        with rt.db.session() as session:
            return take_snapshot(session, campaign_id)

    snap = snapshot()
    if snap is None:
        out.print(f"[red]no campaign with id {campaign_id}[/] (`amplifier campaign list`)")
        return 1
    if once or snap.finished:
        out.print(render(snap))
        if snap.finished:
            _final_report(rt, out, campaign_id)
        return 0
    meter = RateMeter()
    problem = ""
    try:
        with Live(render(snap), console=out, refresh_per_second=4) as live:
            while True:
                time.sleep(interval_s)
                try:
                    fresh = snapshot()
                except sa.exc.OperationalError as exc:  # a database restart: keep trying
                    problem = f"database unavailable, retrying: {exc.orig or exc}"
                    live.update(Group(render(snap), Text(problem, style="red")))
                    continue
                if fresh is None:
                    out.print(f"[red]campaign {campaign_id} was deleted[/]")
                    return 1
                snap = fresh
                live.update(render(snap, meter.add(time.monotonic(), snap.posted)))
                if snap.finished:
                    break
    except KeyboardInterrupt:
        out.print("stopped watching; the release itself carries on")
        return 0
    _final_report(rt, out, campaign_id)
    return 0


def watch_command(
    campaign_id: Annotated[
        int, typer.Argument(help="the campaign's id (`amplifier campaign list`)")
    ],
    once: Annotated[
        bool, typer.Option("--once", help="print one snapshot and exit, without a live display")
    ] = False,
    interval: Annotated[
        float, typer.Option(min=0.05, max=10.0, help="seconds between database reads")
    ] = 0.25,
) -> None:
    """Watch a release as it happens: posted / failed / unconfirmed / pending, rate, offsets."""
    from amplifier.db import DatabaseNotMigrated, check_migrated
    from amplifier.runtime import get_runtime

    out = Console(width=None if sys.stdout.isatty() else 150)
    rt = get_runtime()
    try:
        check_migrated(rt.db)
    except DatabaseNotMigrated as exc:
        out.print(f"[red]{exc}[/]", soft_wrap=True)
        raise typer.Exit(1) from exc
    raise typer.Exit(run_watch(rt, campaign_id, out=out, once=once, interval_s=interval))
