"""The owner's image form: the web face of PUT/DELETE /api/campaigns/{id}/image.

    GET  /owner/campaigns/{id}/image        the current image and the form
    POST /owner/campaigns/{id}/image        multipart `file`, `alt_text`, `reencode`, or
                                            `remove`; 303 back to the campaign page
                                            (`?image=saved|removed`: it confirms), or the form
                                            again (422 / 409) with the reason in plain words and
                                            the alt text as typed
    GET  /owner/campaigns/{id}/image/file   the bytes, for the owner (even before approval)

Same rules as the API and `amplifier campaign image` (media/attach.py). Another owner's campaign
answers 404, as every owner page does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from amplifier.campaigns.consent import MessageLocked
from amplifier.media.attach import attach_image, current_image, image_bytes, remove_image
from amplifier.media.images import MAX_UPLOAD_BYTES, ImageRefused
from amplifier.models import Campaign, Owner
from amplifier.web.deps import RuntimeDep, SessionDep, WebOwner
from amplifier.web.path_ids import own_campaign
from amplifier.web.rendering import page

router = APIRouter(include_in_schema=False)


def _form(
    request: Request,
    session: Session,
    owner: Owner,
    campaign: Campaign,
    code: int = 200,
    *,
    error: str | None = None,
    alt_text: str | None = None,
) -> HTMLResponse:
    view = current_image(session, campaign)
    response = page(
        request,
        "owner/image.html",
        code,
        owner=owner,
        campaign=campaign,
        image=view,
        error=error,
        alt_text=(view.alt_text if view else "") if alt_text is None else alt_text,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/owner/campaigns/{campaign_id}/image", response_class=HTMLResponse)
def image_form(
    request: Request, campaign_id: str, session: SessionDep, owner: WebOwner
) -> HTMLResponse:
    return _form(request, session, owner, own_campaign(session, owner, campaign_id))


@router.get("/owner/campaigns/{campaign_id}/image/file")
def image_file(campaign_id: str, session: SessionDep, owner: WebOwner) -> Response:
    campaign = own_campaign(session, owner, campaign_id)
    found = image_bytes(session, campaign, campaign.message_version)
    if found is None:
        return Response("no image", status_code=404, media_type="text/plain")
    media_type, data = found
    return Response(data, media_type=media_type, headers={"Cache-Control": "no-store"})


@router.post("/owner/campaigns/{campaign_id}/image", response_class=HTMLResponse)
async def image_post(
    request: Request,
    campaign_id: str,
    session: SessionDep,
    rt: RuntimeDep,
    owner: WebOwner,
    file: Annotated[UploadFile | None, File()] = None,
    alt_text: Annotated[str, Form(max_length=3_000)] = "",
    reencode: Annotated[str, Form(max_length=10)] = "",
    remove: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    campaign = own_campaign(session, owner, campaign_id)
    lead = rt.settings.release_prepare_lead_s
    try:
        if remove:
            remove_image(session, campaign, prepare_lead_s=lead)
        else:
            data = await file.read(MAX_UPLOAD_BYTES + 1) if file is not None else b""
            attach_image(
                session, campaign, data, alt_text, reencode=bool(reencode), prepare_lead_s=lead
            )
    except MessageLocked as exc:
        return _form(request, session, owner, campaign, 409, error=str(exc), alt_text=alt_text)
    except ImageRefused as exc:
        error = f"The image was not saved: {exc}. Choose the file again."
        return _form(request, session, owner, campaign, 422, error=error, alt_text=alt_text)
    done = "removed" if remove else "saved"  # the campaign page says so
    return RedirectResponse(
        f"/owner/campaigns/{campaign.id}?image={done}", status.HTTP_303_SEE_OTHER
    )
