"""The full release report on the owner's campaign page, and its CSV download.

The README promises each post's link or the reason it failed; the page once showed one summary
line. It now lists every post (supporter, platform, outcome in words, link, offset from T, the
reason in words), sortable by offset, outcome or platform through plain links (`?sort=…&order=…`:
server-side, so it works without JavaScript), and offers the same rows as CSV
(`/owner/campaigns/{id}/report.csv`, as `GET /api/campaigns/{id}/report.csv` and
`amplifier campaign report ID --csv` give them).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import Response

from amplifier.campaigns.report import (
    SORT_KEYS,
    CampaignReport,
    PostLine,
    build_report,
    sorted_posts,
)
from amplifier.models import DeliveryStatus
from amplifier.web.api import csv_response
from amplifier.web.deps import SessionDep, WebOwner
from amplifier.web.path_ids import own_campaign
from amplifier.web.rendering import DELIVERY_STATUS_WORDS, platform_label
from amplifier.web.supporter_common import safe_link

router = APIRouter(include_in_schema=False)
SORT_WORDS = {"offset": "offset from T", "outcome": "outcome", "platform": "platform"}


@dataclass(frozen=True)
class ReportRow:
    handle: str
    platform: str
    outcome: str
    status: str
    url: str | None
    offset: str  # "+153 ms", or "" when the post did not go out
    reason: str


@dataclass(frozen=True)
class SortLink:
    key: str
    words: str
    href: str
    current: bool
    descending: bool


def _offset(ms: float | None) -> str:
    if ms is None:
        return ""
    return f"{'+' if ms >= 0 else '-'}{abs(ms):,.0f} ms"


DELETED_WORDS = "deleted by its supporter"  # in place of a link that would lead to a 404


def report_rows(posts: list[PostLine]) -> list[ReportRow]:
    return [
        ReportRow(
            handle=p.handle,
            platform=platform_label(p.platform),
            outcome=DELIVERY_STATUS_WORDS.get(p.status, p.status),
            status=p.status,
            url=safe_link(p.url),
            offset=_offset(p.offset_ms),
            reason=p.error or (DELETED_WORDS if p.status == DeliveryStatus.DELETED else ""),
        )
        for p in posts
    ]


def report_view(
    report: CampaignReport, campaign_url: str, sort: str, order: str
) -> tuple[list[ReportRow], list[SortLink]]:
    """The rows in the order asked for, and a link per sort key (the current one reverses)."""
    by = sort if sort in SORT_KEYS else "offset"
    descending = order == "desc"
    rows = report_rows(sorted_posts(report.posts, by, descending=descending))
    links = []
    for key in SORT_KEYS:
        flip = key == by and not descending
        href = f"{campaign_url}?sort={key}{'&order=desc' if flip else ''}#report"
        links.append(SortLink(key, SORT_WORDS[key], href, key == by, descending))
    return rows, links


@router.get("/owner/campaigns/{campaign_id}/report.csv")
def report_csv_download(
    campaign_id: str, session: SessionDep, owner: WebOwner, sort: str = "offset"
) -> Response:
    """The owner page's download link: the report as CSV, posts in the page's order."""
    campaign = own_campaign(session, owner, campaign_id)
    return csv_response(build_report(session, campaign), sort if sort in SORT_KEYS else "offset")
