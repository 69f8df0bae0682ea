"""The owner's campaign page's "Post an update" form (the API's POST /api/campaigns/{id}/updates).

    POST /owner/campaigns/{id}/updates   body=…   303 back to the page, or the page again (422 /
                                                  409) with the reason and the typed text kept

Same rules as the API and `amplifier campaign update` (notify/updates.py). Another owner's
campaign answers 404, as every owner page does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import RedirectResponse, Response

from amplifier.notify.updates import MAX_BODY, UpdateRefused, post_update
from amplifier.timeutil import utcnow
from amplifier.web.deps import RuntimeDep, SessionDep, WebOwner
from amplifier.web.errors import status_for
from amplifier.web.owner_campaign_pages import campaign_page_response
from amplifier.web.path_ids import own_campaign

router = APIRouter(include_in_schema=False)


@router.post("/owner/campaigns/{campaign_id}/updates")
def post_update_form(
    request: Request,
    campaign_id: str,
    session: SessionDep,
    rt: RuntimeDep,
    owner: WebOwner,
    # twice the rule's limit, so an over-long update is told on the form with the count
    body: Annotated[str, Form(max_length=MAX_BODY * 2)] = "",
) -> Response:
    campaign = own_campaign(session, owner, campaign_id)
    try:
        post_update(session, campaign, body, now=utcnow())
    except UpdateRefused as exc:
        return campaign_page_response(
            request,
            session,
            rt,
            owner,
            campaign,
            status_for(exc),
            f"Update not posted: {exc}",
            update=body,
        )
    return RedirectResponse(f"/owner/campaigns/{campaign.id}?posted=1", status.HTTP_303_SEE_OTHER)
