"""The campaign's image: attached and replaced by its owner (API), shown to everyone (its page).

    PUT    /api/campaigns/{id}/image   multipart: `file`, `alt_text` (required), `reencode`
                                       ("true": amplifier may make a too-large image smaller)
                                       -> 200 the image's facts; 422 with the platform and the
                                       rule it breaks (or why the file is not an image), nothing
                                       stored; 409 once the message is locked
    GET    /api/campaigns/{id}/image   -> the image's facts, or 404
    DELETE /api/campaigns/{id}/image   -> 204; the message goes on without an image
    GET    /c/{slug}/image[?v=N]       the bytes (the current version's, or version N's: what a
                                       supporter of that version consented to)

A change after the first pledge makes a new message version that supporters consent to again
(media/attach.py), exactly as a text edit does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, UploadFile, status
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import select

from amplifier.campaigns.consent import MessageLocked
from amplifier.campaigns.moderation import is_public
from amplifier.media.attach import (
    ImageView,
    attach_image,
    current_image,
    image_bytes,
    remove_image,
)
from amplifier.media.images import MAX_UPLOAD_BYTES, ImageRefused
from amplifier.models import Campaign
from amplifier.web.deps import OwnedCampaign, RuntimeDep, SessionDep

router = APIRouter(tags=["owner API"])


class ImagePublic(BaseModel):
    """The image that goes with the message: its facts and where to see it."""

    media_type: str
    width: int
    height: int
    byte_size: int
    alt_text: str
    message_version: int
    url: str


def image_public(campaign: Campaign, view: ImageView, public_url: str) -> ImagePublic:
    return ImagePublic(
        media_type=view.media_type,
        width=view.width,
        height=view.height,
        byte_size=view.byte_size,
        alt_text=view.alt_text,
        message_version=view.version,
        url=f"{public_url.rstrip('/')}{image_path(campaign, view.version)}",
    )


def image_path(campaign: Campaign, version: int) -> str:
    return f"/c/{campaign.slug}/image?v={version}"


@router.put(
    "/api/campaigns/{campaign_id}/image",
    response_model=ImagePublic,
    responses={
        409: {"description": "the message is locked (preparation began, or the campaign ended)"},
        422: {"description": "not an image, or a chosen platform's rule refuses it"},
    },
)
async def put_image(
    campaign: OwnedCampaign,
    session: SessionDep,
    rt: RuntimeDep,
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or GIF")],
    alt_text: Annotated[str, Form(description="what the picture shows, for who cannot see it")],
    reencode: Annotated[bool, Form()] = False,
) -> ImagePublic:
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    try:
        view = attach_image(
            session,
            campaign,
            data,
            alt_text,
            reencode=reencode,
            prepare_lead_s=rt.settings.release_prepare_lead_s,
        )
    except MessageLocked as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except ImageRefused as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return image_public(campaign, view, rt.settings.public_url)


@router.get("/api/campaigns/{campaign_id}/image", response_model=ImagePublic)
def get_image(campaign: OwnedCampaign, session: SessionDep, rt: RuntimeDep) -> ImagePublic:
    view = current_image(session, campaign)
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this campaign's message has no image")
    return image_public(campaign, view, rt.settings.public_url)


@router.delete("/api/campaigns/{campaign_id}/image", status_code=204, response_class=Response)
def delete_image(campaign: OwnedCampaign, session: SessionDep, rt: RuntimeDep) -> Response:
    try:
        remove_image(session, campaign, prepare_lead_s=rt.settings.release_prepare_lead_s)
    except MessageLocked as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return Response(status_code=204)


@router.get("/c/{slug}/image", response_class=Response, include_in_schema=False)
def public_image(slug: str, session: SessionDep, v: int | None = None) -> Response:
    campaign = session.exec(select(Campaign).where(Campaign.slug == slug)).first()
    if campaign is None or not is_public(campaign):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such campaign")
    version = campaign.message_version if v is None else v
    if not 1 <= version <= campaign.message_version:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such version of the message")
    found = image_bytes(session, campaign, version)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this message has no image")
    media_type, data = found
    return Response(
        data,
        media_type=media_type,
        headers={
            # short: before the first pledge an image may be replaced in place
            "Cache-Control": "public, max-age=300",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        },
    )
