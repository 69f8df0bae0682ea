"""The release report as CSV: one row per post, for a spreadsheet.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab or carriage
return) as a formula, and a supporter chooses their own handle and a platform writes the error
text: so every text cell starting with one of those gets a leading apostrophe, which the
spreadsheet shows as text (OWASP, "CSV Injection"). Numbers we format ourselves are left alone.
Columns are fixed and named in the header row; times are ISO 8601 UTC, offsets in milliseconds.
"""

from __future__ import annotations

import csv
import io

from amplifier.campaigns.report import CampaignReport, sorted_posts

COLUMNS = (
    "pledge_id",
    "handle",
    "platform",
    "followers",
    "outcome",
    "link",
    "offset_ms",
    "error",
    "attempts",
    "retryable",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """`text` as a spreadsheet shows it, never runs it: a formula's first character is escaped."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def report_csv(report: CampaignReport, *, by: str = "offset") -> str:
    """The report as CSV text (RFC 4180 quoting, CRLF line ends), posts ordered `by`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for post in sorted_posts(report.posts, by):
        writer.writerow(
            (
                post.pledge_id,
                safe_cell(post.handle),
                safe_cell(post.platform),
                post.followers,
                safe_cell(post.status),
                safe_cell(
                    post.url or ("deleted by its supporter" if post.status == "deleted" else "")
                ),
                "" if post.offset_ms is None else f"{post.offset_ms:.1f}",
                safe_cell(post.error or ""),
                post.attempts,
                "yes" if post.retryable else "no",
            )
        )
    return out.getvalue()


def csv_filename(report: CampaignReport) -> str:
    """A download name that says whose report it is: `campaign-12-report.csv`."""
    return f"campaign-{report.campaign_id}-report.csv"
