"""The campaign's image as pages show it: a template global, `campaign_image(campaign)`.

Why a global: the campaign page, the consent page and a supporter's manage page all show the
picture that goes with the post (supporters consent to it) and the campaign page names it in its
OpenGraph / Twitter-card tags, and each already has the campaign, bound to the request's
database session; asking here keeps those routes unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import pass_context
from sqlalchemy.orm import object_session

from amplifier.media.attach import current_image
from amplifier.models import Campaign


@dataclass(frozen=True)
class ShownImage:
    url: str  # this site's address of the version's image
    absolute_url: str  # the same, under the public URL (for OpenGraph)
    alt_text: str
    width: int
    height: int


@pass_context
def campaign_image(context: Any, campaign: Campaign) -> ShownImage | None:
    session = object_session(campaign)
    if session is None:
        return None
    view = current_image(session, campaign)  # type: ignore[arg-type]
    if view is None:
        return None
    url = f"/c/{campaign.slug}/image?v={view.version}"
    request = context.get("request")
    public = request.app.state.runtime.settings.public_url if request is not None else ""
    return ShownImage(
        url, f"{str(public).rstrip('/')}{url}", view.alt_text, view.width, view.height
    )
