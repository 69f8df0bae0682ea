"""The owner's image form on the web, and the picture on the public and consent pages: the same
rules as the API, refusals in plain words with the alt text kept, OpenGraph tags naming it."""

from __future__ import annotations

import io

from PIL import Image
from sqlmodel import select

from amplifier.models import Campaign
from amplifier.runtime import Runtime
from tests import factories
from tests.owners.conftest import MakeOwner, csrf_of


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 180, 20)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_the_owner_adds_a_picture_on_the_web_and_visitors_see_it(
    runtime: Runtime, make_owner: MakeOwner
) -> None:
    ada = make_owner("ada@example.org")
    with runtime.db.session() as session:
        campaign = factories.campaign(session, ada.owner_id)
        campaign_id, slug = campaign.id, campaign.slug
    form_url = f"/owner/campaigns/{campaign_id}/image"
    page = ada.browser.get(f"/owner/campaigns/{campaign_id}")
    assert "Add a picture to the message" in page.text
    form = ada.browser.get(form_url)
    assert "The message has no picture yet" in form.text

    refused = ada.browser.post(
        form_url,
        data={"csrf": csrf_of(form.text), "alt_text": "Our sunflower field"},
        files={"file": ("field.jpg", b"this is no jpeg", "image/jpeg")},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert "The image was not saved: the file is not a JPEG, PNG, WebP or GIF" in refused.text
    assert "Our sunflower field</textarea>" in refused.text  # what was typed is kept

    saved = ada.browser.post(
        form_url,
        data={"csrf": csrf_of(refused.text), "alt_text": "Our sunflower field"},
        files={"file": ("field.jpg", _jpeg(), "image/jpeg")},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text[:500]
    back = ada.browser.get(saved.headers["location"]).text  # where the owner lands: it says so
    assert "Picture saved: it goes out with every post, with its alt text." in back
    assert "The picture with the message" in back
    assert "Picture saved" not in ada.browser.get(f"/owner/campaigns/{campaign_id}").text
    own_copy = ada.browser.get(f"{form_url}/file")
    assert own_copy.status_code == 200 and own_copy.headers["content-type"] == "image/jpeg"

    visitor = ada.browser.get(f"/c/{slug}")
    assert 'alt="Our sunflower field"' in visitor.text
    assert '<meta property="og:image" content="' in visitor.text
    assert f'/c/{slug}/image?v=1">' in visitor.text
    assert '<meta name="twitter:card" content="summary_large_image">' in visitor.text


def test_without_a_form_token_nothing_is_stored(runtime: Runtime, make_owner: MakeOwner) -> None:
    ada = make_owner("ada@example.org")
    with runtime.db.session() as session:
        campaign = factories.campaign(session, ada.owner_id)
        campaign_id = campaign.id
    answer = ada.browser.post(
        f"/owner/campaigns/{campaign_id}/image",
        data={"alt_text": "A field"},
        files={"file": ("field.jpg", _jpeg(), "image/jpeg")},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    with runtime.db.session() as session:
        row = session.exec(select(Campaign).where(Campaign.id == campaign_id)).one()
        assert row.message_version == 1
    assert "no picture yet" in ada.browser.get(f"/owner/campaigns/{campaign_id}/image").text
