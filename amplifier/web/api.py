"""The owner's JSON API: schedule, list, inspect, cancel campaigns and read their reports."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import Response

from amplifier.campaigns.consent import MessageEdit, MessageInvalid, MessageLocked, edit_message
from amplifier.campaigns.lifecycle import (
    CampaignPublic,
    cancel_campaign,
    create_campaign,
    list_campaigns,
    to_public,
)
from amplifier.campaigns.report import SORT_KEYS, CampaignReport, build_report
from amplifier.campaigns.report_csv import csv_filename, report_csv
from amplifier.campaigns.rules import CampaignCreate, CampaignRuleError
from amplifier.web.deps import CurrentOwner, OwnedCampaign, RuntimeDep, SessionDep
from amplifier.web.errors import http_error

router = APIRouter(prefix="/api", tags=["owner API"])


@router.post("/campaigns", status_code=status.HTTP_201_CREATED, response_model=CampaignPublic)
def create(
    data: CampaignCreate, session: SessionDep, owner: CurrentOwner, rt: RuntimeDep
) -> CampaignPublic:
    assert owner.id is not None
    try:
        campaign = create_campaign(
            session,
            owner_id=owner.id,
            data=data,
            enabled_platforms=rt.connectors.enabled_platforms(),
            auto_approve=rt.settings.moderation_auto_approve,
            settings=rt.settings,
        )
    except CampaignRuleError as exc:
        raise http_error(exc) from exc
    return to_public(session, campaign, public_url=rt.settings.public_url, settings=rt.settings)


@router.get("/campaigns", response_model=list[CampaignPublic])
def list_own(session: SessionDep, owner: CurrentOwner, rt: RuntimeDep) -> list[CampaignPublic]:
    return [
        to_public(session, c, public_url=rt.settings.public_url, settings=rt.settings)
        for c in list_campaigns(session, owner_id=owner.id)
    ]


@router.get("/campaigns/{campaign_id}", response_model=CampaignPublic)
def show(campaign: OwnedCampaign, session: SessionDep, rt: RuntimeDep) -> CampaignPublic:
    return to_public(session, campaign, public_url=rt.settings.public_url, settings=rt.settings)


@router.post("/campaigns/{campaign_id}/cancel", response_model=CampaignPublic)
def cancel(campaign: OwnedCampaign, session: SessionDep, rt: RuntimeDep) -> CampaignPublic:
    try:
        cancel_campaign(session, campaign=campaign)
    except CampaignRuleError as exc:
        raise http_error(exc) from exc
    return to_public(session, campaign, public_url=rt.settings.public_url, settings=rt.settings)


@router.patch(
    "/campaigns/{campaign_id}/message",
    response_model=CampaignPublic,
    responses={409: {"description": "the campaign's state forbids an edit now"}},
)
def edit_campaign_message(
    data: MessageEdit, campaign: OwnedCampaign, session: SessionDep, rt: RuntimeDep
) -> CampaignPublic:
    """Before the first pledge the text changes in place; after, it becomes a new version that
    each supporter must consent to again (their manage link asks them). An omitted `link` keeps
    the current one; an explicit null or "" removes it."""
    try:
        edit_message(
            session,
            campaign,
            data.message_text,
            data.link_or(campaign.link),
            prepare_lead_s=rt.settings.release_prepare_lead_s,
        )
    except (MessageLocked, MessageInvalid) as exc:
        raise http_error(exc) from exc
    return to_public(session, campaign, public_url=rt.settings.public_url, settings=rt.settings)


@router.get("/campaigns/{campaign_id}/report", response_model=CampaignReport)
def report(campaign: OwnedCampaign, session: SessionDep) -> CampaignReport:
    return build_report(session, campaign)


@router.get(
    "/campaigns/{campaign_id}/report.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per post"}},
)
def report_as_csv(campaign: OwnedCampaign, session: SessionDep, sort: str = "offset") -> Response:
    """The report as CSV (`sort`: offset, outcome or platform). Text cells that a spreadsheet
    would run as a formula (starting with =, +, -, @) begin with an apostrophe."""
    if sort not in SORT_KEYS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"sort: choose one of {', '.join(SORT_KEYS)} (not {sort[:40]!r})",
        )
    return csv_response(build_report(session, campaign), sort)


def csv_response(report: CampaignReport, sort: str) -> Response:
    """A CSV download: UTF-8 with a byte-order mark, so spreadsheets read accents right."""
    return Response(
        "\ufeff" + report_csv(report, by=sort),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{csv_filename(report)}"',
            "Cache-Control": "no-store",
        },
    )
