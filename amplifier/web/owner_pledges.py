"""The campaign's dashboard on the owner's page: pledges over time, and who pledged.

The chart is an SVG drawn here on the server (no chart library, no script; the CSP forbids
inline style, so it uses presentation attributes only): one stepped line of pledges standing at
each instant (made, less withdrawn), one per platform, the goal as a dashed line and the
deadline as a vertical one. Its text equivalent is the table of supporters beside it and the
figures in its <desc>.

The table lists who pledged (handle linked to their profile when the platform gave an http(s)
address, platform, followers, personalised or not, when, and a withdrawal with its time), the
newest first, at most `LISTED` rows with the total said.

Cost: one query of three columns per pledge for the chart and one of `LISTED` rows for the table,
made when the owner opens the page (the page's polling asks the state endpoint only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape
from sqlmodel import Session, col, select

from amplifier.links import web_link
from amplifier.models import Campaign, Pledge, PledgeStatus
from amplifier.platforms.registry import label
from amplifier.timeutil import utcnow

LISTED = 200
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 52  # room for the axis labels and the legend
# Okabe-Ito colours: told apart by people with the common colour-vision deficiencies
TOTAL_COLOUR = "#1d1d1f"
PLATFORM_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")


@dataclass(frozen=True)
class Supporter:
    handle: str
    profile: str | None  # an http(s) address, or None
    platform: str  # the label
    followers: int
    personalised: bool
    pledged_at: datetime
    withdrawn_at: datetime | None
    awaiting_reconsent: bool  # has not agreed to the current message version

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


@dataclass(frozen=True)
class PledgeDashboard:
    chart: Markup
    supporters: list[Supporter]
    total: int  # pledges ever made
    withdrawn: int
    by_platform: list[tuple[str, int]]  # (label, pledges standing)


def pledge_dashboard(
    session: Session, campaign: Campaign, *, now: datetime | None = None
) -> PledgeDashboard:
    """The chart and the table for `campaign`, as they stand at `now` (default: the clock)."""
    now = now or utcnow()
    rows = session.exec(
        select(Pledge.platform, Pledge.created_at, Pledge.withdrawn_at).where(
            Pledge.campaign_id == campaign.id
        )
    ).all()
    events: list[tuple[datetime, int, str]] = []
    for platform, made, gone in rows:
        events.append((made, 1, platform))
        if gone is not None:
            events.append((gone, -1, platform))
    events.sort(key=lambda e: (e[0], -e[1]))
    standing: dict[str, int] = {}
    for _, step, platform in events:
        standing[platform] = standing.get(platform, 0) + step
    return PledgeDashboard(
        chart=pledge_chart(campaign, events, now),
        supporters=_supporters(session, campaign),
        total=len(rows),
        withdrawn=sum(1 for _, _, gone in rows if gone is not None),
        by_platform=[(label(p), n) for p, n in sorted(standing.items())],
    )


def _supporters(session: Session, campaign: Campaign) -> list[Supporter]:
    pledges = session.exec(
        select(Pledge)
        .where(Pledge.campaign_id == campaign.id)
        .order_by(col(Pledge.created_at).desc(), col(Pledge.id).desc())
        .limit(LISTED)
    ).all()
    return [
        Supporter(
            handle=p.handle,
            profile=web_link(p.profile_url or None),
            platform=label(p.platform),
            followers=p.followers,
            personalised=p.personalised,
            pledged_at=p.created_at,
            withdrawn_at=p.withdrawn_at if p.status == PledgeStatus.WITHDRAWN else None,
            awaiting_reconsent=p.status == PledgeStatus.ACTIVE
            and p.consented_version != campaign.message_version,
        )
        for p in pledges
    ]


def _short(moment: datetime) -> str:
    return f"{moment:%d %b %H:%M} UTC"


def pledge_chart(
    campaign: Campaign, events: list[tuple[datetime, int, str]], now: datetime
) -> Markup:
    """The SVG: `events` are (instant, +1 made / -1 withdrawn, platform), sorted by instant."""
    start = campaign.created_at
    end = max(campaign.pledge_deadline, min(now, campaign.release_at))
    if events:
        end = max(end, events[-1][0])
    span = max((end - start).total_seconds(), 1.0)
    line_end = min(now, end)
    totals: list[tuple[datetime, int]] = []
    per: dict[str, list[tuple[datetime, int]]] = {}
    total = 0
    running: dict[str, int] = {}
    for moment, step, platform in events:
        total += step
        running[platform] = running.get(platform, 0) + step
        totals.append((moment, total))
        per.setdefault(platform, []).append((moment, running[platform]))
    peak = max([campaign.goal, *(n for _, n in totals)])
    top = max(peak + max(1, peak // 10), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(moment: datetime) -> float:
        return round(LEFT + plot_w * (moment - start).total_seconds() / span, 1)

    def y(n: int) -> float:
        return round(TOP + plot_h * (1 - n / top), 1)

    def steps(points: list[tuple[datetime, int]], colour: str, width: float) -> str:
        path = [f"M{x(start)},{y(0)}"]
        for moment, n in points:
            path.append(f"H{x(moment)}V{y(n)}")
        path.append(f"H{x(line_end)}")
        return (f'<path d="{"".join(path)}" fill="none" stroke="{colour}" '
                f'stroke-width="{width}"/>')  # fmt: skip

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" id="pledge-chart" role="img" aria-labelledby="pledge-chart-title '
        f'pledge-chart-desc">',
        '<title id="pledge-chart-title">Pledges over time</title>',
        f'<desc id="pledge-chart-desc">{escape(_description(campaign, total, events))}</desc>',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#ffffff" '
        f'stroke="#767676"/>',
    ]
    for n in sorted({0, campaign.goal, top}):
        parts.append(f'<text x="{LEFT - 6}" y="{y(n) + 4}" text-anchor="end" font-size="12" '
                     f'fill="#1d1d1f">{n:,}</text>')  # fmt: skip
    goal_y = y(campaign.goal)
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{goal_y}" y2="{goal_y}" '
                 f'stroke="#1d1d1f" stroke-dasharray="6 4" id="goal-line"/>')  # fmt: skip
    parts.append(f'<text x="{WIDTH - RIGHT - 4}" y="{goal_y - 4}" text-anchor="end" '
                 f'font-size="12" fill="#1d1d1f">goal {campaign.goal:,}</text>')  # fmt: skip
    dx = x(campaign.pledge_deadline)
    parts.append(f'<line x1="{dx}" x2="{dx}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#c62828" '
                 f'stroke-width="2" id="deadline-line"/>')  # fmt: skip
    parts.append(f'<text x="{dx - 4}" y="{TOP + 14}" text-anchor="end" font-size="12" '
                 f'fill="#c62828">deadline</text>')  # fmt: skip
    base = TOP + plot_h + 16
    parts.append(f'<text x="{LEFT}" y="{base}" font-size="12" fill="#1d1d1f">'
                 f'{_short(start)}</text>')  # fmt: skip
    parts.append(f'<text x="{WIDTH - RIGHT}" y="{base}" text-anchor="end" font-size="12" '
                 f'fill="#1d1d1f">{_short(end)}</text>')  # fmt: skip
    legend = [("all platforms", TOTAL_COLOUR)]
    for i, platform in enumerate(sorted(per)):
        colour = PLATFORM_COLOURS[i % len(PLATFORM_COLOURS)]
        legend.append((label(platform), colour))
        if len(per) > 1:
            parts.append(steps(per[platform], colour, 1.5))
    parts.append(steps(totals, TOTAL_COLOUR, 2.5))
    lx = LEFT
    for words, colour in legend if len(per) > 1 else legend[:1]:
        parts.append(f'<rect x="{lx}" y="{base + 10}" width="14" height="4" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 18}" y="{base + 16}" font-size="12" fill="#1d1d1f">'
                     f'{escape(words)}</text>')  # fmt: skip
        lx += 28 + 7 * len(words)
    parts.append("</svg>")
    return Markup("".join(parts))


def _description(campaign: Campaign, standing: int, events: list[tuple[datetime, int, str]]) -> str:
    made = sum(1 for _, step, _ in events if step > 0)
    gone = made - standing
    return (
        f"{standing:,} pledges standing of {made:,} made ({gone:,} withdrawn); "
        f"the goal is {campaign.goal:,} by {_short(campaign.pledge_deadline)}."
    )
